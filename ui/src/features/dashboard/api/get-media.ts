import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { accountKeys } from '@/lib/accounts';
import { call } from '@/lib/ipc';

export const mediaSchema = z.object({
  id: z.string(),
  caption: z.string().nullable(),
  mediaType: z.string().nullable(),
  imageUrl: z.string().nullable(),
  permalink: z.string().nullable(),
  timestamp: z.string().nullable(),
});
export type Media = z.infer<typeof mediaSchema>;

export const mediaPageSchema = z.object({ items: z.array(mediaSchema), after: z.string().nullable() });

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
