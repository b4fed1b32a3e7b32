import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binPath, parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { keys, startPty } from '../helpers/pty.js';
import { journalBatches, journalCount, sandboxAttempts, sandboxState } from '../helpers/sandbox-state.js';

/**
 * The guards a person meets at a terminal, through a real pseudo-terminal: Ctrl-C always stops a run that
 * moves money (the spinner must not swallow it), a declined prompt sends nothing, and a disk that fills up
 * while rows are being journaled sends nothing until the batch is whole.
 */
describe('money at a terminal', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('Ctrl-C during a run with a spinner stops it: requests in flight finish, results are written, the resume command carries --out', async () => {
    const { path } = writePayouts(home.home, 2000);
    const out = join(home.home, 'results.csv');
    const session = startPty(home.home, ['bulk', path, '--yes', '--concurrency', '1', '--out', out], {
      env: { AIRTIME_SANDBOX_LATENCY_MS: '40' },
      timeoutMs: 60_000,
    });
    await session.waitFor(/sent [\d,]+\/2,?000/, 30_000);
    session.write(keys.ctrlC);
    const { code } = await session.exited;
    expect(code).toBe(130);
    expect(session.text()).toMatch(/interrupted: letting requests in flight finish/);
    expect(session.text()).toMatch(/airtime bulk --resume b_[0-9a-f]+ --out \S+results\.csv/);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2001);
    expect(journalCount(home.home, ['sending', 'unknown'])).toBe(0);
    const paid = sandboxState(home.home).transfers;
    expect(paid).toBeGreaterThan(0);
    expect(paid).toBeLessThan(2000);
  }, 90_000);

  it('a terminal that reports no width (a pty nobody sized) gets line progress, not a spinner that starves the run', () => {
    // util-linux `script` fed from a pipe makes a pseudo-terminal of 0×0: ora looped on it and the run never finished.
    const run = spawnSync('script', ['-qec', `"${process.execPath}" "${binPath}" bulk samples/payouts.csv --yes`, '/dev/null'], {
      env: { ...process.env, AIRTIME_HOME: home.home, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stdout.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/accepted by the provider\s+5/);
    expect(run.stdout.length).toBeLessThan(100_000);
    expect(sandboxState(home.home).transfers).toBe(5);
  });

  it('a declined prompt sends nothing, on a new file and on a re-run', async () => {
    const { path } = writePayouts(home.home, 20);
    const first = startPty(home.home, ['bulk', path], { timeoutMs: 30_000 });
    await first.waitFor(/Pay 20 rows/);
    first.write(`n${keys.enter}`);
    expect((await first.exited).code).toBe(130);
    expect(sandboxAttempts(home.home)).toBe(0);
    // Interrupted at the first claim, then declined on the way back.
    const crashed = await runCli(home.home, ['bulk', path, '--yes'], { env: { AIRTIME_FAILPOINT: 'after-claim:1' } });
    expect(crashed.signal).toBe('SIGKILL');
    const again = startPty(home.home, ['bulk', path], { timeoutMs: 30_000 });
    await again.waitFor(/Pay .*rows/);
    again.write(`n${keys.enter}`);
    expect((await again.exited).code).toBe(130);
    expect(sandboxAttempts(home.home)).toBe(0);
  }, 60_000);

  it('a disk that fills while rows are journaled sends nothing; once there is room the same command completes the batch and pays every row once', async () => {
    const { path } = writePayouts(home.home, 4000);
    // About 150 KB of journal: the batch is created, part of its rows fit, then SQLITE_FULL.
    const full = await runCli(home.home, ['bulk', path, '--yes'], { env: { AIRTIME_JOURNAL_MAX_PAGES: '40' } });
    expect(full.code).toBe(4);
    expect(full.stderr).toMatch(/full/);
    expect(full.stderr).not.toMatch(/this is a bug/);
    const [batch] = journalBatches(home.home);
    expect(batch?.complete).toBe(0);
    expect(batch?.journaled).toBeLessThan(4000);
    expect(sandboxAttempts(home.home)).toBe(0);
    const resumed = await runCli(home.home, ['bulk', path, '--yes', '--json'], { timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    expect(parseJson<{ rows: number }>(resumed.stdout).rows).toBe(4000);
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(4000);
    expect(state.maxSendCount).toBe(1);
  }, 90_000);
});
