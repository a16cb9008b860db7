export const connectKeys = {
  all: ['connect'] as const,
  notices: () => [...connectKeys.all, 'notices'] as const,
};
