import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killTrial, type TrialProvider, type TrialResult } from '../helpers/kill-trial.js';

/**
 * `npm run soak`: dozens of runs per provider killed with SIGKILL at random moments (SOAK_TRIALS, 30 by
 * default; two in three while the provider is being paid, one anywhere from start-up on), each resumed to the end. Every trial must end with one charge per row and the file's total at
 * the provider. A summary line per provider goes to stdout and, with SOAK_REPORT=file, to that file;
 * SOAK_PROVIDERS=zw,lipad runs only those.
 */
const trials = Number(process.env.SOAK_TRIALS ?? '30');
const providers = (process.env.SOAK_PROVIDERS ?? 'sandbox,zw,lipad,africastalking').split(',') as TrialProvider[];

function summarise(provider: TrialProvider, results: readonly TrialResult[], ms: number): string {
  const mid = results.filter((result) => result.killedMidRun).length;
  const exact = results.filter(
    (result) => result.charged === result.rows && result.chargedMinor === result.expectedMinor && result.finalRows === result.rows,
  ).length;
  const extra = results.reduce((sum, result) => sum + Math.max(0, result.charged - result.rows), 0);
  const missing = results.reduce((sum, result) => sum + Math.max(0, result.rows - result.charged), 0);
  const rounds = Math.max(...results.map((result) => result.rounds));
  return `${provider}: ${results.length} trials (${mid} killed mid-payment), ${exact} exact, ${extra} extra charges, ${missing} rows unpaid, at most ${rounds + 1} resumes, ${(ms / 1000).toFixed(0)} s`;
}

describe('soak: kill -9 at random moments', () => {
  it.each<TrialProvider>(providers)(
    '%s',
    async (provider) => {
      const started = Date.now();
      const results: TrialResult[] = [];
      for (let trial = 0; trial < trials; trial += 1) results.push(await killTrial(provider, trial % 3 === 2 ? 'anytime' : 'while-paying'));
      const line = summarise(provider, results, Date.now() - started);
      process.stdout.write(`${line}\n`);
      if (process.env.SOAK_REPORT) appendFileSync(process.env.SOAK_REPORT, `${line}\n`);
      for (const result of results)
        expect(result, JSON.stringify(result)).toMatchObject({ charged: result.rows, chargedMinor: result.expectedMinor, finalRows: result.rows });
    },
    3_600_000,
  );
});
