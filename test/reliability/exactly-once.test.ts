import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { drainSandboxWallet, journalBatches, journalCount, journalRows, sandboxAttempts, sandboxState } from '../helpers/sandbox-state.js';

/**
 * The gate is a property of every path (DESIGN.md, invariant 1). An interrupted batch is the base state;
 * each way of coming back to it (the same file, --resume, a copy, a CRLF/BOM/sorted copy, the file plus
 * one row) meets each guard (--dry-run, no terminal without --yes, --max-total below the rest, a balance
 * too low, a bad --out) and must cost zero requests at the provider.
 */
const env = { AIRTIME_SANDBOX_LATENCY_MS: '1', AIRTIME_SANDBOX_SETTLE_MS: '20' };
const rows = 300;

interface BulkJson {
  batch: string;
  rows: number;
  counts: Record<string, number>;
}

/** A file's rows, re-saved the way spreadsheets do: CRLF, a BOM, sorted the other way. */
function resaved(source: string, target: string): string {
  const [header, ...lines] = readFileSync(source, 'utf8').trim().split('\n');
  writeFileSync(target, `\uFEFF${[header, ...lines.reverse()].join('\r\n')}\r\n`);
  return target;
}

async function interruptedBatch(home: string): Promise<{ path: string; batch: string }> {
  const { path } = writePayouts(home, rows);
  const crashed = await runCli(home, ['bulk', path, '--yes', '--concurrency', '1'], { env: { ...env, AIRTIME_FAILPOINT: 'after-send:2' } });
  expect(crashed.signal).toBe('SIGKILL');
  const [batch] = journalBatches(home);
  expect(batch?.complete).toBe(1);
  const paid = sandboxState(home).transfers;
  expect(paid).toBeGreaterThan(0);
  expect(paid).toBeLessThan(rows);
  return { path, batch: batch?.id ?? '' };
}

type Entry = (home: string, path: string, batch: string) => string[];

const entries: [string, Entry][] = [
  ['the same file again', (_home, path) => ['bulk', path]],
  ['--resume', (_home, _path, batch) => ['bulk', '--resume', batch]],
  ['a copy of the file', (home, path) => ['bulk', copy(path, join(home, 'copy.csv'))]],
  ['a CRLF, BOM, reverse-sorted copy', (home, path) => ['bulk', resaved(path, join(home, 'resaved.csv'))]],
  ['the file plus one row', (home, path) => ['bulk', plusOne(path, join(home, 'plus-one.csv'))]],
];

function copy(source: string, target: string): string {
  copyFileSync(source, target);
  return target;
}

function plusOne(source: string, target: string): string {
  writeFileSync(target, `${readFileSync(source, 'utf8')}+254799000005,10\n`);
  return target;
}

const guards: [string, string[], (home: string) => void, (result: CliResult) => void][] = [
  ['--dry-run', ['--dry-run', '--yes'], () => {}, (result) => expect(result.code === 0 || result.code === 3).toBe(true)],
  [
    'no terminal and no --yes',
    [],
    () => {},
    (result) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--yes/);
    },
  ],
  [
    '--max-total below the rest',
    ['--yes', '--max-total', '50 KES'],
    () => {},
    (result) => {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/above --max-total/);
    },
  ],
  [
    'a balance too low',
    ['--yes', '--allow-repeats'],
    (home) => drainSandboxWallet(home, 'KES', 100),
    (result) => {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/insufficient balance/);
    },
  ],
  [
    'a bad --out',
    ['--yes', '--allow-repeats', '--out', '/no/such/folder/results.csv'],
    () => {},
    (result) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--out .*does not exist/);
    },
  ],
];

describe('one gate: every way back to an interrupted batch meets every guard, and nothing is sent', () => {
  it.each(entries)('%s', async (_name, entry) => {
    const home = tempHome();
    try {
      const { path, batch } = await interruptedBatch(home.home);
      const args = entry(home.home, path, batch);
      for (const [guard, flags, prepare, check] of guards) {
        const before = sandboxAttempts(home.home);
        prepare(home.home);
        // --allow-repeats: the guard under test, not the repeat guard, is what must stop the run.
        const result = await runCli(home.home, [...args, ...flags, '--allow-repeats'], { env });
        check(result);
        expect(result.stderr, guard).not.toMatch(/unexpected|this is a bug/);
        expect(sandboxAttempts(home.home), `${guard} sent something`).toBe(before);
      }
    } finally {
      home.cleanup();
    }
  });

  it('send meets the same guards', async () => {
    const home = tempHome();
    try {
      const send = ['send', '+254711000100', '100', '--key', 'guarded'];
      for (const [flags, code] of [
        [['--dry-run', '--yes'], 0],
        [[], 2],
        [['--yes', '--max-total', '50 KES'], 1],
      ] as const) {
        const result = await runCli(home.home, [...send, ...flags], { env });
        expect(result.code).toBe(code);
      }
      expect(sandboxAttempts(home.home)).toBe(0);
      await runCli(home.home, ['wallet'], { env });
      drainSandboxWallet(home.home, 'KES', 100);
      const poor = await runCli(home.home, [...send, '--yes'], { env });
      expect(poor.code).toBe(1);
      expect(poor.stderr).toMatch(/insufficient balance/);
      expect(sandboxAttempts(home.home)).toBe(0);
    } finally {
      home.cleanup();
    }
  });
});

describe('coming back to a batch pays only what was never paid', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('a CRLF/BOM/sorted copy is the same batch: the resume pays the rest once', async () => {
    const { path, batch } = await interruptedBatch(home.home);
    const copy = resaved(path, join(home.home, 'resaved.csv'));
    const result = await runCli(home.home, ['bulk', copy, '--yes', '--json'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`already run as batch ${batch}`);
    expect(parseJson<BulkJson>(result.stdout)).toMatchObject({ batch, rows });
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(rows);
    expect(state.maxSendCount).toBe(1);
  });

  it('the file plus one row repeats every paid row: refused, or with --skip-repeats only the new rows are paid', async () => {
    const { path } = await interruptedBatch(home.home);
    // Rows in flight count as paid: they may have been.
    const paid = journalCount(home.home, ['sending', 'submitted', 'delivered', 'unknown']);
    const bigger = plusOne(path, join(home.home, 'plus-one.csv'));
    const refused = await runCli(home.home, ['bulk', bigger, '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`${paid} rows repeat a payment`));
    expect(refused.stderr).toMatch(/line \d+: \+2547\d+ 10\.00 KES — batch b_[0-9a-f]+ line \d+/);
    const before = sandboxState(home.home).transfers;
    const skipped = await runCli(home.home, ['bulk', bigger, '--yes', '--skip-repeats', '--json'], { env });
    expect(skipped.code).toBe(0);
    // Only the new row: every other row is in flight or paid in the first batch.
    expect(parseJson<BulkJson>(skipped.stdout).rows).toBe(1);
    expect(sandboxState(home.home).transfers).toBe(before + 1);
    // The first batch, resumed, pays what it never sent; nobody twice.
    const resumed = await runCli(home.home, ['bulk', path, '--yes', '--json'], { env });
    expect(resumed.code).toBe(0);
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(rows + 1);
    expect(state.maxSendCount).toBe(1);
  });

  it('--dry-run on a re-run and on --resume sends nothing and says what would be sent', async () => {
    const { path, batch } = await interruptedBatch(home.home);
    const before = sandboxAttempts(home.home);
    const again = await runCli(home.home, ['bulk', path, '--dry-run', '--yes', '--json'], { env });
    expect(again.code).toBe(0);
    const plan = parseJson<{ dryRun: boolean; plan: { sendNow: { rows: number }; askFirst: { rows: number } } }>(again.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.plan.sendNow.rows + plan.plan.askFirst.rows).toBe(rows - journalCount(home.home, ['submitted', 'delivered']));
    const resumed = await runCli(home.home, ['bulk', '--resume', batch, '--dry-run'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/send now: \d+ rows/);
    expect(sandboxAttempts(home.home)).toBe(before);
  });

  it('a kill in the middle of journaling leaves an incomplete batch, which is completed from its file before anything is sent', async () => {
    const { path, totalMinor } = writePayouts(home.home, 1500);
    const crashed = await runCli(home.home, ['bulk', path, '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'during-journal:1200' } });
    expect(crashed.signal).toBe('SIGKILL');
    const [batch] = journalBatches(home.home);
    expect(batch).toMatchObject({ rows: 1500, complete: 0 });
    expect(batch?.journaled).toBeLessThan(1500);
    expect(sandboxState(home.home).transfers).toBe(0);
    // --resume completes it from the file it was made from (its path is journaled with it).
    const resumed = await runCli(home.home, ['bulk', '--resume', batch?.id ?? '', '--yes', '--wait', '--json'], { env, timeoutMs: 60_000 });
    expect(resumed.stderr).toMatch(/is incomplete \(\d+ of 1500 rows journaled\): completing it from/);
    expect(resumed.code).toBe(0);
    expect(parseJson<BulkJson>(resumed.stdout)).toMatchObject({ rows: 1500, counts: { delivered: 1500 } });
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(1500);
    expect(state.maxSendCount).toBe(1);
    expect(state.deliveredMinor('KES')).toBe(totalMinor);
  }, 90_000);

  it('an incomplete batch whose file changed is refused, not "resumed" with part of its rows', async () => {
    const { path } = writePayouts(home.home, 1500);
    await runCli(home.home, ['bulk', path, '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'during-journal:1200' } });
    const [batch] = journalBatches(home.home);
    writePayouts(home.home, 10);
    const resumed = await runCli(home.home, ['bulk', '--resume', batch?.id ?? '', '--yes'], { env });
    expect(resumed.code).toBe(3);
    expect(resumed.stderr).toMatch(/no longer holds its rows/);
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('a rehearsal on the sandbox does not stop the real run: keys belong to accounts', async () => {
    const file = join(home.home, 'rehearse.csv');
    writeFileSync(file, 'phone,amount,currency\n+263772000015,1,USD\n+263772000025,2,USD\n');
    const rehearsal = await runCli(home.home, ['bulk', file, '--yes', '--json'], { env });
    expect(rehearsal.code).toBe(0);
    const { startTestSim, simEnv } = await import('../helpers/sim.js');
    const sim = await startTestSim();
    try {
      const real = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--yes', '--json'], { env: simEnv(sim.url) });
      expect(real.code).toBe(0);
      expect(parseJson<BulkJson>(real.stdout).counts).toEqual({ delivered: 2 });
      expect(sim.zw.gateway.sendCounts().size).toBe(2);
      expect(parseJson<BulkJson>(real.stdout).batch).not.toBe(parseJson<BulkJson>(rehearsal.stdout).batch);
    } finally {
      await sim.close();
    }
  });

  it('journals every row of the file and counts the file, not the journal, for the exit code', async () => {
    const { path } = writePayouts(home.home, 50);
    const result = await runCli(home.home, ['bulk', path, '--yes', '--json'], { env });
    expect(result.code).toBe(0);
    expect(journalRows(home.home)).toHaveLength(50);
  });
});

describe('a transfer is handled only through the account it was journaled for', () => {
  it('a key names a transfer in one account only; a batch resumes through its own account with no --provider', async () => {
    const home = tempHome();
    const { startTestSim, simEnv } = await import('../helpers/sim.js');
    const sim = await startTestSim();
    try {
      const env = simEnv(sim.url);
      const zw = await runCli(home.home, ['send', '+263772000015', '1', '--provider', 'zw', '--key', 'k-zw', '--yes'], { env });
      expect(zw.code).toBe(0);
      // The same key with the sandbox active is another transfer, in another account; the zw one is untouched.
      const sandbox = await runCli(home.home, ['send', '+254711000105', '10', '--key', 'k-zw', '--yes', '--json'], { env });
      expect(sandbox.code).toBe(0);
      expect(sandbox.stderr).toMatch(/key k-zw also names a delivered transfer through zw \(profile default\)/);
      expect(parseJson<{ provider: string }>(sandbox.stdout).provider).toBe('sandbox');
      expect(sim.zw.gateway.sendCounts().get('k-zw')).toBe(1);
      // status finds both and asks which.
      const ambiguous = await runCli(home.home, ['status', 'k-zw'], { env });
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.stderr).toMatch(/names 2 transfers .*choose one with --profile or --provider/);

      const zwFile = join(home.home, 'zw.csv');
      writeFileSync(zwFile, 'phone,amount,currency\n+263772000025,1,USD\n+263772000035,1,USD\n');
      const crashed = await runCli(home.home, ['bulk', zwFile, '--provider', 'zw', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: 'after-journal:1' } });
      expect(crashed.signal).toBe('SIGKILL');
      const [batch] = journalBatches(home.home);
      const resumed = await runCli(home.home, ['bulk', '--resume', batch?.id ?? '', '--yes', '--json'], { env });
      expect(resumed.code).toBe(0);
      expect(parseJson<BulkJson>(resumed.stdout).counts).toEqual({ delivered: 2 });
      expect(sim.zw.gateway.sendCounts().size).toBe(3);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });
});
