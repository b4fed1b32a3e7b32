import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binPath, parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { journalCount, sandboxState } from '../helpers/sandbox-state.js';

const samples = resolve(import.meta.dirname, '../../samples');
const fast = { AIRTIME_SANDBOX_SETTLE_MS: '100' };

interface BulkJson {
  batch: string;
  rows: number;
  totals: Record<string, string>;
  counts: Record<string, number>;
  transfers: { reference: string; status: string; phone: string; line: number }[];
}

describe('airtime bulk', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('lists every bad row of the mistakes file with its line number and exits 3 on --dry-run', async () => {
    const result = await runCli(home.home, ['bulk', join(samples, 'mistakes.csv'), '--dry-run']);
    expect(result.code).toBe(3);
    for (const line of [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) expect(result.stdout).toContain(`line ${line}, `);
    expect(result.stdout).not.toContain('line 2, ');
    expect(result.stdout).toMatch(/line 4, phone: .*scientific notation/);
    expect(result.stdout).toMatch(/line 11, phone: duplicate of line 2/);
    expect(result.stdout).toContain('14 rows, 1 valid, 13 invalid');
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('writes the bad rows with a reason column for --errors-out', async () => {
    const errors = join(home.home, 'bad.csv');
    await runCli(home.home, ['bulk', join(samples, 'mistakes.csv'), '--dry-run', '--errors-out', errors]);
    const lines = readFileSync(errors, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('msisdn,amount,currency,name,line,reason');
    expect(lines).toHaveLength(14);
    expect(lines[1]).toMatch(/^0711000200,100,,.*,3,/);
  });

  it('gives the dry-run plan as JSON', async () => {
    const result = await runCli(home.home, ['bulk', join(samples, 'payouts.csv'), '--dry-run', '--json']);
    expect(result.code).toBe(0);
    const plan = parseJson<{ rows: number; valid: number; totals: Record<string, string>; columns: Record<string, string> }>(result.stdout);
    expect(plan).toMatchObject({
      rows: 5,
      valid: 5,
      totals: { KES: '1400.50', UGX: '5000' },
      columns: { phone: 'phone', amount: 'amount', reference: 'reference' },
    });
  });

  it('pays every row once, and paying the same file again pays nobody', async () => {
    const file = join(samples, 'payouts.csv');
    const first = await runCli(home.home, ['bulk', file, '--yes', '--json', '--out', join(home.home, 'results.csv')], { env: fast });
    expect(first.code).toBe(0);
    const summary = parseJson<BulkJson>(first.stdout);
    expect(summary).toMatchObject({ rows: 5, totals: { KES: '1400.50', UGX: '5000' }, counts: { submitted: 5 } });
    expect(summary.transfers.map((transfer) => transfer.reference)).toEqual(['nov-2026-001', 'nov-2026-002', 'nov-2026-003', 'nov-2026-004', 'nov-2026-005']);
    const results = readFileSync(join(home.home, 'results.csv'), 'utf8').trim().split('\n');
    expect(results[0]).toBe(
      'phone,amount,name,reference,result_line,result_status,result_key,result_phone,result_amount,result_currency,result_provider_reference,result_error,result_updated_at,result_tokens',
    );
    expect(results).toHaveLength(6);

    const again = await runCli(home.home, ['bulk', file, '--yes', '--json'], { env: fast });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`already run as batch ${summary.batch}`);
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(5);
    expect(state.maxSendCount).toBe(1);
  });

  it('waits for final statuses with --wait', async () => {
    const result = await runCli(home.home, ['bulk', join(samples, 'payouts.csv'), '--yes', '--wait', '--json'], { env: fast });
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout).counts).toEqual({ delivered: 5 });
  });

  it('reads semicolons, aliases and per-row currencies', async () => {
    const result = await runCli(home.home, ['bulk', join(samples, 'payouts-no-reference.csv'), '--yes', '--json'], { env: fast });
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout).totals).toEqual({ KES: '250.00', UGX: '3000' });
  });

  it('refuses a file with invalid rows unless --skip-invalid, and then pays only the valid ones', async () => {
    const refused = await runCli(home.home, ['bulk', join(samples, 'mistakes.csv'), '--yes']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/13 of 14 rows are invalid/);
    expect(sandboxState(home.home).transfers).toBe(0);
    const skipped = await runCli(home.home, ['bulk', join(samples, 'mistakes.csv'), '--yes', '--skip-invalid', '--json'], { env: fast });
    expect(skipped.code).toBe(0);
    expect(parseJson<BulkJson>(skipped.stdout).rows).toBe(1);
  });

  it('exits 5 when some rows fail', async () => {
    const file = join(home.home, 'some-fail.csv');
    writeFileSync(file, 'phone,amount\n+254711000100,10\n+254711000001,10\n');
    const result = await runCli(home.home, ['bulk', file, '--yes', '--json'], { env: fast });
    expect(result.code).toBe(5);
    expect(parseJson<BulkJson>(result.stdout).counts).toEqual({ submitted: 1, failed: 1 });
  });

  it('refuses a run above --max-total and one the balance cannot cover, before sending', async () => {
    const file = join(samples, 'payouts.csv');
    const bare = await runCli(home.home, ['bulk', file, '--yes', '--max-total', '1000']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/has no currency and this run pays KES and UGX/);
    const capped = await runCli(home.home, ['bulk', file, '--yes', '--max-total', '1000 KES']);
    expect(capped.code).toBe(1);
    expect(capped.stderr).toMatch(/total 1400.50 KES is above --max-total 1000.00 KES/);
    // A cap fails closed: a currency it does not name is refused, not uncapped; 0 is a cap like any other.
    const partial = await runCli(home.home, ['bulk', file, '--yes', '--max-total', '2000 KES']);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/--max-total "2000 KES" sets no cap for UGX, which this run pays \(5,?000 UGX\): nothing was sent/);
    // A dry run says what the real run would refuse, and exits as it would (issue 23).
    const predicted = await runCli(home.home, ['bulk', file, '--dry-run', '--max-total', '2000 KES']);
    expect(predicted.code).toBe(partial.code);
    expect(predicted.stderr).toMatch(/note: the real run would refuse: --max-total "2000 KES" sets no cap for UGX/);
    const zero = await runCli(home.home, ['bulk', file, '--yes', '--max-total', '2000 KES, 0 UGX']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/above --max-total 0 UGX/);
    expect(sandboxState(home.home).transfers).toBe(0);
    const poorHome = tempHome();
    try {
      const poor = await runCli(poorHome.home, ['bulk', file, '--yes'], { env: { AIRTIME_SANDBOX_BALANCE: '100' } });
      expect(poor.code).toBe(1);
      expect(poor.stderr).toMatch(/insufficient balance/);
      expect(sandboxState(poorHome.home).transfers).toBe(0);
    } finally {
      poorHome.cleanup();
    }
  });

  it('an --out or --errors-out that is a pipe or a device is refused before anything is sent', async () => {
    const fifo = join(home.home, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [flag, path] of [
      ['--out', '/dev/full'],
      ['--out', fifo],
      ['--errors-out', '/dev/full'],
    ] as const) {
      const result = await runCli(home.home, ['bulk', join(samples, 'payouts.csv'), '--yes', flag, path]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${flag} ${path} is not a regular file \\(a pipe or a device\\)`));
      expect(result.stderr).not.toMatch(/this is a bug|node:events/);
    }
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('needs --yes without a terminal', async () => {
    const result = await runCli(home.home, ['bulk', join(samples, 'payouts.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--yes/);
  });

  it('chunks to the provider maximum with concurrency and a rate', async () => {
    const { path } = writePayouts(home.home, 250);
    const result = await runCli(home.home, ['bulk', path, '--yes', '--json', '--concurrency', '3', '--rate', '100'], { env: fast });
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout).counts).toEqual({ submitted: 250 });
    expect(sandboxState(home.home).transfers).toBe(250);
  });

  it('survives SIGKILL mid-run: the resume pays every row exactly once', async () => {
    const { path, totalMinor } = writePayouts(home.home, 1500);
    const env = { ...process.env, AIRTIME_HOME: home.home, AIRTIME_SANDBOX_LATENCY_MS: '30', AIRTIME_SANDBOX_SETTLE_MS: '50' };
    const child = spawn(process.execPath, [binPath, 'bulk', path, '--yes', '--concurrency', '2'], { env, stdio: 'ignore' });
    const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
    const deadline = Date.now() + 20_000;
    while (journalCount(home.home, ['submitted']) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const paidBeforeKill = sandboxState(home.home).transfers;
    expect(paidBeforeKill).toBeGreaterThan(0);
    expect(paidBeforeKill).toBeLessThan(1500);

    const resumed = await runCli(home.home, ['bulk', path, '--yes', '--wait', '--json'], { env: fast, timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    const summary = parseJson<BulkJson>(resumed.stdout);
    expect(summary.counts).toEqual({ delivered: 1500 });
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(1500);
    expect(state.deliveredMinor('KES')).toBe(totalMinor);
  }, 90_000);

  it('Ctrl-C lets requests in flight finish, leaves the rest unsent, and says how to resume', async () => {
    const { path, totalMinor } = writePayouts(home.home, 1500);
    const out = join(home.home, 'interrupted.csv');
    const child = spawn(process.execPath, [binPath, 'bulk', path, '--yes', '--concurrency', '1', '--out', out], {
      env: { ...process.env, AIRTIME_HOME: home.home, AIRTIME_SANDBOX_LATENCY_MS: '40' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    const deadline = Date.now() + 20_000;
    while (journalCount(home.home, ['submitted']) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted: letting requests in flight finish/);
    const batch = /Resume with: airtime bulk --resume (b_[0-9a-f]+) --out (\S+)/.exec(stderr)?.[1];
    expect(batch).toBeDefined();
    // The interrupted run wrote its results: every row, the unsent ones as queued.
    const written = readFileSync(out, 'utf8').trim().split('\n');
    expect(written).toHaveLength(1501);
    expect(written.filter((line) => line.includes(',queued,')).length).toBe(journalCount(home.home, ['queued']));
    expect(journalCount(home.home, ['sending', 'unknown'])).toBe(0);
    expect(journalCount(home.home, ['queued'])).toBeGreaterThan(0);

    const resumed = await runCli(home.home, ['bulk', '--resume', batch ?? '', '--yes', '--wait', '--json'], { env: fast, timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    expect(parseJson<BulkJson>(resumed.stdout).counts).toEqual({ delivered: 1500 });
    const state = sandboxState(home.home);
    expect(state.transfers).toBe(1500);
    expect(state.maxSendCount).toBe(1);
    expect(state.deliveredMinor('KES')).toBe(totalMinor);
  }, 90_000);

  it.each([
    ['empty.csv', '', /is empty/],
    ['header-only.csv', 'phone,amount\n', /no data rows/],
    ['no-phone.csv', 'name,amount\nA,10\n', /no phone column/],
    ['dup-header.csv', 'phone,msisdn,amount\n1,2,3\n', /repeats the phone column/],
    ['utf16.csv', Buffer.from('\ufeffphone,amount\n', 'utf16le'), /UTF-16/],
    ['binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]), /binary data/],
    ['open-quote.csv', 'phone,amount\n"+254711000100,10\n', /quote|not valid CSV/],
  ])('names what is wrong with %s (exit 3, no stack trace)', async (name, content, message) => {
    const file = join(home.home, name);
    writeFileSync(file, content);
    const result = await runCli(home.home, ['bulk', file, '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports ragged rows by line', async () => {
    const file = join(home.home, 'ragged.csv');
    writeFileSync(file, 'phone,amount\n+254711000100,10,extra\n+254711000200,10\n');
    const result = await runCli(home.home, ['bulk', file, '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/line 2, \*: has 3 fields but the header has 2/);
    // Paid with --skip-invalid, the results keep every result column under its header, the surplus in the last input cell.
    const out = join(home.home, 'ragged-results.csv');
    expect((await runCli(home.home, ['bulk', file, '--skip-invalid', '--yes', '--out', out])).code).toBe(0);
    const [header, ragged, paid] = readFileSync(out, 'utf8').trim().split('\n');
    const columns = (header ?? '').split(',');
    const cells = (line: string | undefined): Record<string, string> =>
      Object.fromEntries((line ?? '').split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((cell, index) => [columns[index] ?? String(index), cell] as const));
    expect(cells(ragged)).toMatchObject({ phone: '+254711000100', amount: '"10,extra"', result_line: '2', result_status: 'invalid' });
    expect(cells(paid)).toMatchObject({ phone: '+254711000200', amount: '10', result_line: '3', result_status: 'submitted' });
  });
});

describe('airtime reconcile', () => {
  it('resolves unknown transfers by status query', async () => {
    const home = tempHome();
    try {
      const file = join(home.home, 'lost.csv');
      writeFileSync(file, 'phone,amount\n+254711000003,10\n+254711000100,10\n');
      const run = await runCli(home.home, ['bulk', file, '--yes', '--json'], { env: fast });
      expect(run.code).toBe(5);
      const { batch, counts } = parseJson<BulkJson>(run.stdout);
      expect(counts.unknown).toBe(1);
      let report = { unresolved: [1] as unknown[], resolved: 0 };
      for (let attempt = 0; attempt < 20 && report.unresolved.length > 0; attempt += 1) {
        report = parseJson((await runCli(home.home, ['reconcile', batch, '--json'], { env: fast })).stdout);
      }
      expect(report.unresolved).toEqual([]);
      const status = parseJson<{ transfers: { status: string }[] }>((await runCli(home.home, ['status', '--batch', batch, '--json'])).stdout);
      expect(status.transfers.map((transfer) => transfer.status).sort()).toEqual(['delivered', 'submitted']);
      expect(sandboxState(home.home).transfers).toBe(2);
    } finally {
      home.cleanup();
    }
  });
});

describe('airtime bulk: amounts that could be read two ways', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  const european = (name: string, rows: string[]) => {
    const path = join(home.home, name);
    writeFileSync(path, ['phone;amount;currency', ...rows].join('\n') + '\n');
    return path;
  };

  it('refuses 1,000 / 10.000 KES / 5.000 UGX in a file that does not say how it writes decimals, naming both readings', async () => {
    const path = european('eu.csv', ['+254711000100;12,50;KES', '+254711000200;1,000;KES', '+254711000300;10.000;KES', '+256772000500;5.000;UGX']);
    const result = await runCli(home.home, ['bulk', path, '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'line 3, amount: amount "1,000" is ambiguous: 1000 if "," separates thousands, 1 if it is a decimal comma: write 1000 or 1',
    );
    expect(result.stdout).toContain('line 4, amount: amount "10.000" is ambiguous: 10000 if "." separates thousands, 10 if it is a decimal point');
    expect(result.stdout).toContain('line 5, amount: amount "5.000" is ambiguous: 5000 if "." separates thousands, 5 if it is a decimal point');
    expect(result.stdout).toContain('--decimal-comma');
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('the same file run again under the other convention is refused, naming the batch it already paid', async () => {
    // Hostile test: paid with --decimal-comma (5.000 = five thousand), then again with --decimal-point (5.000 = five):
    // the same bytes made a new batch and paid the same people again.
    const path = european('dc.csv', ['+254711995105;5.000;KES', '+254711995115;7.500;KES']);
    const first = await runCli(home.home, ['bulk', path, '--decimal-comma', '--yes'], { env: fast, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const batch = /batch (b_\w+)/.exec(first.stderr)?.[1] ?? '';
    const again = await runCli(home.home, ['bulk', path, '--decimal-point', '--yes'], { env: fast, timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`(these very bytes) was already run as batch ${batch}`);
    expect(again.stderr).toContain('--allow-repeats');
    expect(sandboxState(home.home).transfers).toBe(2);
    const meant = await runCli(home.home, ['bulk', path, '--decimal-point', '--allow-repeats', '--yes'], { env: fast, timeoutMs: 60_000 });
    expect(meant.code, meant.stderr).toBe(0);
    expect(sandboxState(home.home).transfers).toBe(4);
  });

  it('pays a file that declares --decimal-comma as it means: 1.000 is a thousand, 12,50 is twelve and a half', async () => {
    const path = european('eu.csv', ['+254711000100;12,50;KES', '+254711000200;1.000;KES', '+256772000500;5.000;UGX', '+254711000300;1.000,25;KES']);
    const result = await runCli(home.home, ['bulk', path, '--decimal-comma', '--yes', '--wait', '--json'], { env: fast, timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout).totals).toEqual({ KES: '2012.75', UGX: '5000' });
    const state = sandboxState(home.home);
    expect(state.deliveredMinor('KES')).toBe(201275);
    expect(state.deliveredMinor('UGX')).toBe(5000);
  });

  it('refuses a row written in the other convention than the one declared, and a file that mixes both', async () => {
    const declared = european('declared.csv', ['+254711000100;12,50;KES', '+254711000200;13.75;KES']);
    const wrong = await runCli(home.home, ['bulk', declared, '--decimal-comma', '--dry-run']);
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain(
      'line 3, amount: amount "13.75" is written with a decimal point but the decimal comma was declared (--decimal-comma): write 13,75',
    );
    const mixed = european('mixed.csv', ['+254711000100;12,50;KES', '+254711000200;100;KES', '+254711000300;13.75;KES']);
    const result = await runCli(home.home, ['bulk', mixed, '--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('line 4, amount: amount "13.75" writes decimals with a point but line 2 ("12,50") with a comma');
    expect(result.stdout).toContain('3 rows, 2 valid, 1 invalid');
  });

  it('reads a file whose amounts show one convention and none is ambiguous, without a flag', async () => {
    const path = european('eu.csv', ['+254711000100;12,50;KES', '+256772000200;1.000.000;UGX', '+254711000300;7;KES']);
    const result = await runCli(home.home, ['bulk', path, '--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout).totals).toEqual({ KES: '19.50', UGX: '1000000' });
  });

  it('send refuses 1,000 on the command line and pays what a declared convention says', async () => {
    const refused = await runCli(home.home, ['send', '+254711000100', '1,000', '--yes']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('amount "1,000" is ambiguous: 1000 if "," separates thousands, 1 if it is a decimal comma');
    expect(sandboxState(home.home).transfers).toBe(0);
    const paid = await runCli(home.home, ['send', '+254711000100', '1,000', '--decimal-point', '--yes', '--json'], { env: fast });
    expect(paid.code).toBe(0);
    expect(parseJson<{ amount: string }>(paid.stdout).amount).toBe('1000.00');
  });
});
