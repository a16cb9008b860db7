import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { call } from '@/lib/ipc';

import { connectKeys } from './keys';

export const linkNoticeSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['connected', 'failed', 'refused']),
  code: z.string().nullable(),
  message: z.string(),
  state: z.string().nullable(),
  accountId: z.string().nullable(),
  username: z.string().nullable(),
});
export type LinkNotice = z.infer<typeof linkNoticeSchema>;

export const getLinkNotices = () => call('link_notices', {}, z.array(linkNoticeSchema));

export const linkNoticesOptions = () => queryOptions({ queryKey: connectKeys.notices(), queryFn: getLinkNotices });

export const useLinkNotices = () => useQuery(linkNoticesOptions());
