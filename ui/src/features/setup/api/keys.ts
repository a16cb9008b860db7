export const setupKeys = {
  all: ['setup'] as const,
  /** What a sign-in service answered when Evergreen checked its address. */
  service: (url: string) => [...setupKeys.all, 'service', url] as const,
};
