import { describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { journalRows, sandboxState } from '../helpers/sandbox-state.js';

/**
 * SIGKILL at every point of the dispatch where a crash could cost money, then resume: every row is paid
 * exactly once (the sandbox's own count per key; the wallet debited by exactly the file's total).
 */
const rows = 700; // two claim windows of 600 rows (sandbox chunks of 100, six a window)
const env = { AIRTIME_SANDBOX_LATENCY_MS: '1', AIRTIME_SANDBOX_SETTLE_MS: '20' };

interface BulkJson {
  rows: number;
  counts: Record<string, number>;
}

const scenarios: [string, string[]][] = [
  ['before the first send (rows journaled)', ['after-journal:1']],
  ['after the write-ahead claim, before any request left', ['after-claim:1']],
  ['after a later window was claimed', ['after-claim:2']],
  ['mid-chunk: answered by the provider, not yet recorded', ['after-send:1']],
  ['mid-run: several answers unrecorded', ['after-send:4']],
  ['between chunks, after answers were recorded', ['after-record:1']],
  ['later between chunks', ['after-record:3']],
  ['mid-run, then again during the reconcile of the resume', ['after-send:3', 'during-reconcile:2']],
  ['twice in a row at different points', ['after-claim:2', 'after-send:2']],
];

describe('crash safety: SIGKILL anywhere, resume, everyone paid exactly once', () => {
  it.each(scenarios)('%s', async (_name, failpoints) => {
    const home = tempHome();
    try {
      const { path, totalMinor } = writePayouts(home.home, rows);
      for (const point of failpoints) {
        const crashed = await runCli(home.home, ['bulk', path, '--yes', '--concurrency', '2'], {
          env: { ...env, AIRTIME_FAILPOINT: point },
          timeoutMs: 30_000,
        });
        expect(crashed.signal).toBe('SIGKILL');
      }
      const resumed = await runCli(home.home, ['bulk', path, '--yes', '--wait', '--json', '--concurrency', '2'], { env, timeoutMs: 60_000 });
      expect(resumed.stderr).not.toMatch(/unexpected/);
      expect(resumed.code).toBe(0);
      expect(parseJson<BulkJson>(resumed.stdout)).toMatchObject({ rows, counts: { delivered: rows } });

      const journal = journalRows(home.home);
      expect(journal).toHaveLength(rows);
      const sandbox = sandboxState(home.home);
      expect(sandbox.transfers).toBe(rows);
      expect(sandbox.maxSendCount).toBe(1);
      expect([...sandbox.keys].sort()).toEqual(journal.map((row) => row.reference).sort());
      expect(sandbox.deliveredMinor('KES')).toBe(totalMinor);
    } finally {
      home.cleanup();
    }
  });
});
