import { defineConfig } from 'vitest/config';

/** `npm run soak`: the long trials (random kills per provider), kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
