import { describe, expect, it } from 'vitest';
import { killTrial, type TrialProvider } from '../helpers/kill-trial.js';

/**
 * The short version of `npm run soak`: per provider, one run killed with SIGKILL at a random
 * moment and resumed to the end; at the provider, charges equal rows and the file's total.
 */
describe('kill -9 at a random moment, then resume: charges equal rows', () => {
  it.each<TrialProvider>(['sandbox', 'zw', 'lipad', 'africastalking'])(
    '%s',
    async (provider) => {
      for (const moment of ['while-paying'] as const) {
        const result = await killTrial(provider, moment);
        expect(result, JSON.stringify(result)).toMatchObject({ charged: result.rows, chargedMinor: result.expectedMinor, finalRows: result.rows });
      }
    },
    180_000,
  );
});
