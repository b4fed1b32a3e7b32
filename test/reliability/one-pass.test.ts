import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { startCli } from '../helpers/process.js';

const isStopped = (pid: number): boolean => {
  try {
    return /^\d+ \(.*\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** What the sandbox was asked to pay, by amount: the provider's own record. */
function chargedByAmount(home: string): Record<string, number> {
  const db = new Database(join(home, 'sandbox.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT amount_minor AS minor, count(*) AS n FROM sim_transfers GROUP BY amount_minor').all() as { minor: number; n: number }[];
    return Object.fromEntries(rows.map((row) => [String(row.minor), row.n]));
  } finally {
    db.close();
  }
}

describe('a bulk run reads its file once', () => {
  const homes: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of homes.splice(0)) cleanup();
  });

  it('journals the rows it planned and was confirmed for, even if the file changes after the check', async () => {
    const { home, cleanup } = tempHome();
    homes.push(cleanup);
    // Larger than one read of the file (64 KB), so that a second pass would read the edited tail.
    const { path } = writePayouts(home, 4000, 'payouts.csv', '10');
    const run = startCli(home, ['bulk', path, '--yes'], { CI: 'true', AIRTIME_FAILPOINT: 'during-journal:1:stop' });
    const exited = new Promise<number | null>((resolve) => run.child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!isStopped(run.child.pid ?? 0) && Date.now() < deadline && run.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(isStopped(run.child.pid ?? 0), run.stderr()).toBe(true);
      // Confirmed for 4,000 × 10.00 KES; the file's last thousand rows now say 99.
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      writeFileSync(path, `${lines.map((line, index) => (index > 3000 ? line.replace(/,10$/, ',99') : line)).join('\n')}\n`);
      run.child.kill('SIGCONT');
      expect(await exited, run.stderr()).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(chargedByAmount(home)).toEqual({ '1000': 4000 });
    // The same file, as it now reads, is another batch: the edited rows are a new plan, never folded into the first.
    const again = await runCli(home, ['bulk', path, '--dry-run']);
    expect(again.stdout).toMatch(/these rows|repeat/i);
  });
});
