import { createServer } from 'node:net';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { sandboxState } from '../helpers/sandbox-state.js';

const fast = { AIRTIME_SANDBOX_SETTLE_MS: '100' };

interface SummaryJson {
  batch: string;
  file: string;
  state: string;
  rows: number;
  fileRows: number;
  totals: Record<string, string>;
  counts: Record<string, number>;
  amounts: Record<string, Record<string, string>>;
  skipped: { invalid: number; repeats: number; notInBatch: number };
  failed: { rows: number; first: { line: number; phone: string; amount: string; currency: string; error: string }[] };
  durationMs: number | null;
  next: string | null;
  transfers: { reference: string; status: string }[];
}

/** Parses a CSV the way a spreadsheet would see our results (quoted cells with doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  return rows;
}

describe('the bulk summary, results and batches', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  const mixed = () => {
    const path = join(home.home, 'november.csv');
    writeFileSync(
      path,
      [
        'phone,amount,name,cost centre,note',
        '+254711000100,1500,Alice,=SUM(A1:A9),first',
        '+254711000001,10,Brian,ops,fails: insufficient balance',
        '+254711000003,20,Carol,ops,answer lost',
        '+254711000200,abc,Dan,ops,bad amount',
        '+254711000300,250.50,"Esther ""EE"" N.","+1+HYPERLINK(""http://x"")",',
        '',
      ].join('\n'),
    );
    return path;
  };

  it('per outcome rows and money, the failed rows, the run time and the one next step (JSON and text)', async () => {
    const file = mixed();
    const json = await runCli(home.home, ['bulk', file, '--yes', '--skip-invalid', '--json'], { env: fast });
    expect(json.code).toBe(5);
    const summary = parseJson<SummaryJson>(json.stdout);
    expect(summary).toMatchObject({
      file: 'november.csv',
      rows: 4,
      fileRows: 5,
      totals: { KES: '1780.50' },
      counts: { submitted: 2, failed: 1, unknown: 1 },
      amounts: { submitted: { KES: '1750.50' }, failed: { KES: '10.00' }, unknown: { KES: '20.00' } },
      skipped: { invalid: 1, repeats: 0, notInBatch: 0 },
      state: 'unknown',
      next: `airtime reconcile ${summary.batch}`,
    });
    expect(summary.failed.rows).toBe(1);
    expect(summary.failed.first[0]).toMatchObject({ line: 3, phone: '+254711000001', amount: '10.00', currency: 'KES', error: 'Insufficient Balance' });
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);

    // The same summary for the past batch, by id: text in a pipe is a tab-separated table on stdout.
    const show = await runCli(home.home, ['batch', 'show', summary.batch]);
    expect(show.code).toBe(0);
    const table = show.stdout.trim().split('\n');
    expect(table[0]).toBe('outcome\trows\tamount');
    expect(table).toContain('accepted by the provider\t2\t1750.50 KES');
    expect(table).toContain('failed\t1\t10.00 KES');
    expect(table).toContain('unknown\t1\t20.00 KES');
    expect(table).toContain('skipped as invalid\t1\t—');
    expect(table).toContain('total in batch\t4\t1780.50 KES');
    expect(show.stderr).toMatch(/line 3 {2}\+254711000001 {2}10\.00 KES {2}Insufficient Balance/);
    expect(show.stderr).toContain(`next: airtime reconcile ${summary.batch} — asks the provider about 1 row whose outcome is unknown`);
    expect(show.stderr).not.toMatch(/delivered so far/);
    const again = parseJson<SummaryJson>((await runCli(home.home, ['batch', 'show', summary.batch, '--json'])).stdout);
    expect(again.counts).toEqual(summary.counts);
    expect(again.transfers).toHaveLength(4);
  });

  it('shows at most 20 failed rows, then how many more and where to see them', async () => {
    const path = join(home.home, 'failing.csv');
    const rows = Array.from({ length: 25 }, (_, index) => `+25471${String(index + 10).padStart(3, '0')}0001,10,ref-${index}`);
    writeFileSync(path, `phone,amount,reference\n${rows.join('\n')}\n`);
    const result = await runCli(home.home, ['bulk', path, '--yes'], { env: fast });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('failed rows (first 20 of 25):');
    expect(result.stderr.match(/^ {2}line \d+ /gm)).toHaveLength(20);
    expect(result.stderr).toMatch(/… and 5 more rows: 'airtime status --batch b_[0-9a-f]+ --state failed --limit 25'/);
  });

  it('results.csv keeps every input column, adds the result columns, and defuses formulas but not phones', async () => {
    const file = mixed();
    const out = join(home.home, 'results.csv');
    const run = await runCli(home.home, ['bulk', file, '--yes', '--skip-invalid', '--out', out], { env: fast });
    expect(run.code).toBe(5);
    const text = readFileSync(out, 'utf8');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      'phone',
      'amount',
      'name',
      'cost centre',
      'note',
      'result_line',
      'result_status',
      'result_key',
      'result_phone',
      'result_amount',
      'result_currency',
      'result_provider_reference',
      'result_error',
      'result_updated_at',
      'result_tokens',
    ]);
    expect(rows).toHaveLength(6);
    const byLine = new Map(rows.slice(1).map((row) => [row[5], row]));
    expect(byLine.get('2')?.slice(0, 7)).toEqual(['+254711000100', '1500', 'Alice', "'=SUM(A1:A9)", 'first', '2', 'submitted']);
    expect(byLine.get('3')?.[6]).toBe('failed');
    expect(byLine.get('3')?.[12]).toBe('Insufficient Balance');
    expect(byLine.get('5')?.slice(0, 7)).toEqual(['+254711000200', 'abc', 'Dan', 'ops', 'bad amount', '5', 'invalid']);
    expect(byLine.get('5')?.[12]).toMatch(/^amount: amount "abc" is not a number/);
    expect(byLine.get('6')?.slice(0, 4)).toEqual(['+254711000300', '250.50', 'Esther "EE" N.', `'+1+HYPERLINK("http://x")`]);
    expect(byLine.get('6')?.[8]).toBe('+254711000300');
    // No cell a spreadsheet would run: every one starting with = + - @ is a plain number or quoted away.
    for (const row of rows) for (const cell of row) if (/^[=+\-@\t\r＝＋－＠]/.test(cell)) expect(cell).toMatch(/^[+-]?\d+(\.\d+)?$/);

    // The same results for the past batch; once the file has moved, the journal's columns alone, and it says so.
    const batch = parseJson<{ batches: { batch: string }[] }>((await runCli(home.home, ['batches', '--json'])).stdout).batches[0]?.batch ?? '';
    const later = join(home.home, 'later.csv');
    expect((await runCli(home.home, ['batch', 'show', batch, '--out', later])).code).toBe(0);
    expect(readFileSync(later, 'utf8')).toBe(text);
    renameSync(file, join(home.home, 'moved.csv'));
    const moved = join(home.home, 'moved-results.csv');
    const shown = await runCli(home.home, ['batch', 'show', batch, '--out', moved]);
    expect(shown.stderr).toMatch(/holds the journal's columns only: november.csv is no longer at/);
    expect(readFileSync(moved, 'utf8').split('\n')[0]).toBe(
      'result_line,result_status,result_key,result_phone,result_amount,result_currency,result_provider_reference,result_error,result_updated_at,result_tokens',
    );
  });

  it('airtime batches lists every batch with file, rows, totals, outcomes and state', async () => {
    await runCli(home.home, ['bulk', join(import.meta.dirname, '../../samples/payouts.csv'), '--yes'], { env: fast });
    await runCli(home.home, ['bulk', mixed(), '--yes', '--skip-invalid'], { env: fast });
    const list = await runCli(home.home, ['batches']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toBe('batch\tfile\tcreated\tprovider\trows\ttotal\toutcomes\tstate');
    expect(lines[1]).toMatch(
      /^b_[0-9a-f]{12}\tnovember\.csv\t\d{4}-\d\d-\d\dT[\d:.]+Z\tsandbox\/default\t4\t1780\.50 KES\t2 accepted, 1 failed, 1 unknown\tunknown$/,
    );
    expect(lines[2]).toMatch(/\tpayouts\.csv\t.*\t5\t1400\.50 KES \+ 5000 UGX\t5 accepted\taccepted$/);
    const json = parseJson<{ batches: { file: string; state: string; counts: Record<string, number>; totals: Record<string, string> }[] }>(
      (await runCli(home.home, ['batches', '--json'])).stdout,
    );
    expect(json.batches.map((batch) => batch.file)).toEqual(['november.csv', 'payouts.csv']);
    expect(json.batches[1]).toMatchObject({ state: 'accepted', counts: { submitted: 5 }, totals: { KES: '1400.50', UGX: '5000' } });
  });

  it('status --refresh asks about submitted transfers, so the list is not stale', async () => {
    // The sandbox settles a transfer 300 ms after it took it; the journal keeps `submitted` until asked.
    await runCli(home.home, ['send', '+254711000100', '100', '--key', 'fresh', '--yes'], { env: { AIRTIME_SANDBOX_SETTLE_MS: '300' } });
    const stale = parseJson<{ transfers: { status: string }[] }>((await runCli(home.home, ['status', '--json'])).stdout);
    expect(stale.transfers[0]?.status).toBe('submitted');
    let status = 'submitted';
    let stderr = '';
    for (let attempt = 0; attempt < 20 && status !== 'delivered'; attempt += 1) {
      const refreshed = await runCli(home.home, ['status', '--refresh', '--json']);
      stderr = refreshed.stderr;
      status = parseJson<{ transfers: { status: string }[] }>(refreshed.stdout).transfers[0]?.status ?? '';
    }
    expect(status).toBe('delivered');
    expect(stderr).toMatch(/asked about 1 transfers: 1 answered/);
  });

  it('reconcile with no batch covers every profile through its own account and exits 5 while any stay unknown', async () => {
    await runCli(home.home, ['profile', 'add', 'second', '--provider', 'sandbox']);
    // Two runs, one per profile, each killed right after claiming its rows: they are `sending`, never sent.
    for (const [profile, amount] of [
      ['default', '10'],
      ['second', '20'],
    ] as const) {
      const path = join(home.home, `${profile}.csv`);
      writeFileSync(path, `phone,amount\n+254711000105,${amount}\n+254711000115,${amount}\n`);
      const killed = await runCli(home.home, ['bulk', path, '--yes', '--profile', profile], { env: { AIRTIME_FAILPOINT: 'after-claim:1' } });
      expect(killed.signal).toBe('SIGKILL');
    }
    // The provider has no record of them, but it may still be taking them: unknown, exit 5.
    const early = await runCli(home.home, ['reconcile', '--json'], { env: { AIRTIME_RESEND_SETTLE_MS: '600000' } });
    expect(early.code).toBe(5);
    const unresolved = parseJson<{ checked: number; unresolved: { profile: string }[] }>(early.stdout);
    expect(unresolved.checked).toBe(4);
    expect(unresolved.unresolved.map((entry) => entry.profile).sort()).toEqual(['default', 'default', 'second', 'second']);
    // Past the settle delay, "never arrived" is proof: back to queued on both profiles, exit 0.
    const late = await runCli(home.home, ['reconcile', '--json'], { env: { AIRTIME_RESEND_SETTLE_MS: '0' } });
    expect(late.code).toBe(0);
    expect(parseJson<{ requeued: number }>(late.stdout).requeued).toBe(4);
    const list = parseJson<{ transfers: { profile: string; status: string }[] }>((await runCli(home.home, ['status', '--json'])).stdout);
    expect(list.transfers.map((transfer) => `${transfer.profile}:${transfer.status}`).sort()).toEqual([
      'default:queued',
      'default:queued',
      'second:queued',
      'second:queued',
    ]);
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('a transfer that provably never left shows as "not sent", not queued for ever', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const env = { LIPAD_BASE_URL: `http://127.0.0.1:${closed}`, LIPAD_CONSUMER_KEY: 'k', LIPAD_CONSUMER_SECRET: 's-123456789' };
    const send = await runCli(home.home, ['send', '+254711000100', '10', '--provider', 'lipad', '--key', 'never-left', '--yes'], { env });
    expect(send.code).toBe(1);
    expect(send.stderr).toMatch(/not sent: .*retry safely with the same key: --key never-left/);
    const list = await runCli(home.home, ['status']);
    expect(list.stdout.split('\n')[1]).toMatch(/^never-left\tnot sent\t/);
    const json = parseJson<{ transfers: { status: string; error: string }[] }>((await runCli(home.home, ['status', '--json'])).stdout);
    expect(json.transfers[0]).toMatchObject({ status: 'queued', error: expect.stringMatching(/^not sent: /) as unknown });
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('profiles and settings as documented: default always there, no silent overwrite, defaults printed, masks of 4', async () => {
    const list = parseJson<{ active: string; profiles: { name: string; saved: boolean }[] }>((await runCli(home.home, ['profile', 'list', '--json'])).stdout);
    expect(list).toMatchObject({ active: 'default', profiles: [{ name: 'default', saved: false }] });
    await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'africastalking', '--username', 'myapp', '--use']);
    expect((await runCli(home.home, ['profile', 'use', 'default'])).code).toBe(0);
    expect(parseJson<{ active: string }>((await runCli(home.home, ['profile', 'list', '--json'])).stdout).active).toBe('default');
    const again = await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'lipad']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/profile "kenya" exists: add --force to replace it/);
    expect((await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'lipad', '--force'])).code).toBe(0);

    const provider = await runCli(home.home, ['config', 'get', 'provider']);
    expect([provider.code, provider.stdout.trim()]).toEqual([0, 'sandbox']);
    expect(provider.stderr).toMatch(/the default/);
    expect((await runCli(home.home, ['config', 'get', 'limits.KES.max'])).stdout.trim()).toBe('10000.00');
    expect((await runCli(home.home, ['config', 'get', 'large-run.rows'])).stdout.trim()).toBe('1000');
    const json = parseJson<{ value: string; source: string }>((await runCli(home.home, ['config', 'get', 'base-url', '--profile', 'kenya', '--json'])).stdout);
    expect(json).toEqual({ profile: 'kenya', key: 'base-url', value: 'https://sandbox.api.gateway.lipad.io', source: 'default' });
    const unset = await runCli(home.home, ['config', 'get', 'country']);
    expect([unset.code, unset.stdout]).toEqual([1, '']);
    expect(unset.stderr).toMatch(/country is not set in profile default and has no default/);

    await runCli(home.home, ['config', 'set', 'consumer-secret', '--profile', 'kenya', '--stdin'], { input: 'lipad-secret-0123456789WXYZ' });
    const listed = await runCli(home.home, ['config', 'list', '--profile', 'kenya']);
    expect(listed.stdout).toContain('consumer-secret\t••••WXYZ');
    expect(listed.stdout + listed.stderr).not.toContain('lipad-secret');
  });

  it('names each missing credential with the exact command, on the right profile', async () => {
    await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'africastalking', '--username', 'myapp']);
    const result = await runCli(home.home, ['wallet', '--profile', 'kenya']);
    expect(result.code).toBe(4);
    expect(result.stderr.trim()).toBe(
      "error: africastalking needs its api-key: set it with 'airtime config set api-key --profile kenya', or AT_API_KEY in the environment",
    );
    // Nothing is journaled for a run that could not be sent: no batch, no transfer left queued for ever
    // (lipad has no balance to ask first, so only the check before journaling catches it).
    await runCli(home.home, ['profile', 'add', 'lp', '--provider', 'lipad', '--consumer-key', 'key-only']);
    for (const args of [
      ['bulk', join(import.meta.dirname, '../../samples/payouts.csv'), '--yes', '--profile', 'lp'],
      ['send', '+254711000100', '10', '--yes', '--profile', 'lp'],
    ]) {
      const refused = await runCli(home.home, args);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/lipad needs its consumer-secret: set it with 'airtime config set consumer-secret --profile lp'/);
    }
    expect(parseJson<{ batches: unknown[] }>((await runCli(home.home, ['batches', '--json'])).stdout).batches).toEqual([]);
    expect(parseJson<{ transfers: unknown[] }>((await runCli(home.home, ['status', '--json'])).stdout).transfers).toEqual([]);
    const overridden = await runCli(home.home, ['wallet', '--profile', 'kenya', '--provider', 'lipad']);
    expect(overridden.code).toBe(4);
    expect(overridden.stderr).toMatch(
      /lipad needs its consumer-key and consumer-secret: set LIPAD_CONSUMER_KEY and LIPAD_CONSUMER_SECRET in the environment.*profile kenya is for africastalking/,
    );
  });

  it('--errors-out into a folder that does not exist is refused before anything is checked or sent', async () => {
    const result = await runCli(home.home, ['bulk', mixed(), '--skip-invalid', '--yes', '--errors-out', join(home.home, 'missing', 'bad.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(sandboxState(home.home).transfers).toBe(0);
  });

  it('off a terminal, progress is one line per interval and the last line once', async () => {
    const path = join(home.home, 'slow.csv');
    writeFileSync(path, `phone,amount\n${Array.from({ length: 300 }, (_, index) => `+25471${String(index * 10 + 5).padStart(7, '0')},10`).join('\n')}\n`);
    const result = await runCli(home.home, ['bulk', path, '--yes', '--concurrency', '1'], { env: { AIRTIME_SANDBOX_LATENCY_MS: '5' } });
    expect(result.code).toBe(0);
    const finals = result.stderr.split('\n').filter((line) => line.startsWith('sent 300/300 · 3,000.00 KES') || line.startsWith('sent 300/300 · 3000.00 KES'));
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatch(/^sent 300\/300 · 3000\.00 KES · failed 0 · unknown 0 · [\d.]+ rows\/s · done · \d+s$/);
  });
});
