import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killTrial, scenarioName, soakMatrix, type TrialProvider, type TrialResult } from '../helpers/kill-trial.js';

/**
 * `npm run soak`: runs killed with SIGKILL at random moments (SOAK_TRIALS per cell, 30 by default; two in
 * three while the provider is being paid, one anywhere from start-up on), each resumed by running the same
 * command again — as a matrix of providers × each plausible way the provider treats a repeated request
 * (Lipad: dedupe, reject with 721, accept and charge again; Africa's Talking: its Idempotency-Key window,
 * long and short; zw and the sandbox deduplicate on our key). Every trial must end with 0 extra charges, 0
 * rows unpaid and 0 rows the provider contradicts; rows left `unknown` for a callback or an operator (no
 * status query can settle them) are the right answer where the provider proves nothing, and are counted
 * apart. A summary line per cell goes to stdout and, with SOAK_REPORT=file, to that file;
 * SOAK_PROVIDERS=zw,lipad runs only those.
 */
const trials = Number(process.env.SOAK_TRIALS ?? '30');
const providers = (process.env.SOAK_PROVIDERS ?? 'sandbox,zw,lipad,africastalking').split(',') as TrialProvider[];

export const matrix = soakMatrix;

/** What every trial must hold: nobody paid twice, nobody lost, nothing the provider contradicts. */
export function expectExact(result: TrialResult): void {
  const detail = JSON.stringify(result);
  expect(result.charged, detail).toBeLessThanOrEqual(result.rows);
  expect(result.chargedMinor, detail).toBeLessThanOrEqual(result.expectedMinor);
  expect(result.contradictions, detail).toBe(0);
  expect(result.unpaid, detail).toBe(0);
  // Every row is final, or unknown for want of any status query that could settle it.
  expect(result.finalRows + result.unknownRows, detail).toBeGreaterThanOrEqual(result.charged - result.unknownCharged);
}

function summarise(name: string, results: readonly TrialResult[], ms: number): string {
  const mid = results.filter((result) => result.killedMidRun).length;
  const exact = results.filter((result) => result.charged === result.rows && result.finalRows === result.rows).length;
  const extra = results.reduce((sum, result) => sum + Math.max(0, result.charged - result.rows), 0);
  const unpaid = results.reduce((sum, result) => sum + result.unpaid, 0);
  const unknown = results.reduce((sum, result) => sum + result.unknownRows, 0);
  const unknownCharged = results.reduce((sum, result) => sum + result.unknownCharged, 0);
  const contradictions = results.reduce((sum, result) => sum + result.contradictions, 0);
  const rounds = Math.max(...results.map((result) => result.rounds));
  return `${name}: ${results.length} trials (${mid} killed mid-payment), ${exact} exact, ${extra} extra charges, ${unpaid} rows unpaid, ${contradictions} contradicted, ${unknown} left unknown for an operator (${unknownCharged} of them paid at the provider), at most ${rounds + 1} resumes, ${(ms / 1000).toFixed(0)} s`;
}

describe('soak: kill -9 at random moments, per provider and repeat behaviour', () => {
  it.each(
    matrix.filter(([provider]) => providers.includes(provider)).map(([provider, scenario]) => [scenarioName(provider, scenario), provider, scenario] as const),
  )(
    '%s',
    async (name, provider, scenario) => {
      const started = Date.now();
      const results: TrialResult[] = [];
      for (let trial = 0; trial < trials; trial += 1)
        results.push(await killTrial(provider, trial % 3 === 2 ? 'anytime' : 'while-paying', Math.random, scenario));
      const line = summarise(name, results, Date.now() - started);
      process.stdout.write(`${line}\n`);
      if (process.env.SOAK_REPORT) appendFileSync(process.env.SOAK_REPORT, `${line}\n`);
      for (const result of results) expectExact(result);
    },
    3_600_000,
  );
});
