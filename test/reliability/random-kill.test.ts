import { describe, expect, it } from 'vitest';
import { killTrial, scenarioName, soakMatrix } from '../helpers/kill-trial.js';

/**
 * The short version of `npm run soak`: every cell of its matrix (provider × how it treats a repeated
 * request), one run killed with SIGKILL at a random moment and resumed by running the same command again
 * (the soak runs 30 a cell; one here keeps the suite under five minutes on two cores).
 * At the provider: no extra charge, no row lost, nothing the journal says that the provider contradicts.
 */
const matrix = soakMatrix;

describe('kill -9 at a random moment, then the same command again: no extra charge, none lost', () => {
  it.each(matrix.map(([provider, scenario]) => [scenarioName(provider, scenario), provider, scenario] as const))(
    '%s',
    async (_name, provider, scenario) => {
      for (let trial = 0; trial < 1; trial += 1) {
        const result = await killTrial(provider, 'while-paying', Math.random, scenario);
        const detail = JSON.stringify(result);
        expect(result.charged, detail).toBeLessThanOrEqual(result.rows);
        expect(result.chargedMinor, detail).toBeLessThanOrEqual(result.expectedMinor);
        expect(result.contradictions, detail).toBe(0);
        expect(result.unpaid, detail).toBe(0);
      }
    },
    300_000,
  );
});
