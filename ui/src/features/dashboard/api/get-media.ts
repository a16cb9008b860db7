import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const mediaSchema = z.object({
  id: z.string(),
  caption: z.nullable(z.string()),
  mediaType: z.nullable(z.string()),
  imageUrl: z.nullable(z.string()),
  permalink: z.nullable(z.string()),
  timestamp: z.nullable(z.string()),
});
export type Media = z.infer<typeof mediaSchema>;

export const mediaPageSchema = z.object({ items: z.array(mediaSchema), after: z.nullable(z.string()) });

export const getMedia = (id: string, after: string | null) =>
  call('account_media', { id, after }, mediaPageSchema);

export const mediaOptions = (id: string) =>
  infiniteQueryOptions({
    queryKey: accountKeys.media(id),
    queryFn: ({ pageParam }) => getMedia(id, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.after,
    staleTime: 5 * 60_000,
  });

export const useMedia = (id: string, enabled: boolean) => useInfiniteQuery({ ...mediaOptions(id), enabled });
