import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';

import { connectKeys } from './keys';

export const linkNoticeSchema = z.object({
  id: z.int(),
  kind: z.enum(['connected', 'failed', 'refused']),
  code: z.nullable(z.string()),
  message: z.string(),
  state: z.nullable(z.string()),
  accountId: z.nullable(z.string()),
  username: z.nullable(z.string()),
});
export type LinkNotice = z.infer<typeof linkNoticeSchema>;

export const getLinkNotices = () => call('link_notices', {}, z.array(linkNoticeSchema));

export const linkNoticesOptions = () => queryOptions({ queryKey: connectKeys.notices(), queryFn: getLinkNotices });

export const useLinkNotices = () => useQuery(linkNoticesOptions());
