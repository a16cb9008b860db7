import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod/mini';

import { call } from '@/lib/ipc';

export const activityKeys = { all: ['activity'] as const };

export const eventSchema = z.object({
  id: z.int(),
  at: z.string(),
  kind: z.string(),
  detail: z.string(),
  accountId: z.nullable(z.string()),
});
export type ActivityEvent = z.infer<typeof eventSchema>;

export const getEvents = () => call('recent_events', { limit: 200 }, z.array(eventSchema));

export const eventsOptions = () => queryOptions({ queryKey: activityKeys.all, queryFn: getEvents });
export const useEvents = () => useQuery(eventsOptions());
