import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

interface BulkJson {
  batch: string;
  rows: number;
  counts: Record<string, number>;
  transfers: { reference: string; status: string; phone: string; product?: { kind: string }; sms?: string; tokens?: { role: string; token: string }[] }[];
}

interface DryRunJson {
  dryRun: true;
  valid: number;
  invalid: number;
  errors: { line: number; column: string; reason: string }[];
  preview?: {
    provider: string;
    valid: number;
    invalid: number;
    ours: { valid: number; invalid: number };
    perRow: boolean;
    disagreements: { line: number; row: number; ours: string; theirs: string }[];
  };
}

const products = [
  'target,amount,currency,product,product_id,sms,reference',
  '+263772279099,1,USD,data,,Your data for May,zwp-1',
  '+263712345678,1,USD,data,210,,zwp-2',
  '37132109846,20,USD,zesa,,,zwp-3',
  '3713 2100 004,10,USD,zesa,,,zwp-4',
  '+263733123456,2,USD,,,Thanks for taking part,zwp-5',
].join('\n');

let sim: RunningSimServer;
let env: Record<string, string>;
let home: ReturnType<typeof tempHome>;

beforeEach(async () => {
  home = tempHome();
  sim = await startTestSim({ settleMs: 50 });
  env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
});
afterEach(async () => {
  await sim.close();
  home.cleanup();
});

const write = (name: string, text: string) => {
  const path = join(home.home, name);
  writeFileSync(path, `${text}\n`);
  return path;
};
const count = (name: string) => sim.requestCounts.get(name) ?? 0;
const countMatching = (pattern: RegExp) => [...sim.requestCounts].filter(([name]) => pattern.test(name)).reduce((sum, [, n]) => sum + n, 0);

describe('bulk files with product and sms columns', () => {
  it('pays data bundles, ZESA tokens and texts through zw; the tokens are in the JSON and in results.csv', async () => {
    const file = write('products.csv', products);
    const out = join(home.home, 'results.csv');
    const result = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--yes', '--json', '--out', out], { env });
    expect(result.code).toBe(0);
    const summary = parseJson<BulkJson>(result.stdout);
    expect(summary).toMatchObject({ rows: 5, counts: { delivered: 5 } });
    const byReference = new Map(summary.transfers.map((transfer) => [transfer.reference, transfer]));
    expect(byReference.get('zwp-1')).toMatchObject({ product: { kind: 'data' }, sms: 'Your data for May' });
    expect(byReference.get('zwp-3')?.tokens?.map((token) => token.role)).toEqual(['recharge']);
    expect(byReference.get('zwp-4')).toMatchObject({ phone: '37132100004' });
    expect(byReference.get('zwp-4')?.tokens?.map((token) => token.role)).toEqual(['key-change-1', 'key-change-2', 'recharge']);
    expect(byReference.get('zwp-5')?.product).toBeUndefined();
    const orders = sim.recentRequests
      .filter((request) => request.path === '/api/v1/orders')
      .map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(orders.find((order) => order.agent_reference === 'zwp-2')).toMatchObject({ product_id: 210, target: '0712345678' });
    expect(orders.find((order) => order.agent_reference === 'zwp-4')).toMatchObject({ product_id: 300, target: '37132100004' });
    expect(orders.find((order) => order.agent_reference === 'zwp-5')).toMatchObject({ product_id: 102, custom_sms: 'Thanks for taking part' });

    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'target,amount,currency,product,product_id,sms,reference,result_line,result_status,result_key,result_phone,result_amount,result_currency,result_provider_reference,result_error,result_updated_at,result_tokens',
    );
    const zesa = lines.find((line) => line.includes(',zwp-4,')) ?? '';
    expect(zesa).toMatch(/,"1\) key change (\d{4} ){4}\d{4}; 2\) key change (\d{4} ){4}\d{4}; 3\) recharge (\d{4} ){4}\d{4} \(83\.0 kWh\)"$/);
    expect(lines.find((line) => line.includes(',zwp-1,'))).toMatch(/,delivered,zwp-1,.*,ZWP[0-9a-f]+,,[^,]+,$/);
  });

  it('refuses rows the provider cannot take, each with its reason: a product it does not sell, a text, a meter, a price', async () => {
    const file = write(
      'bad.csv',
      [
        'phone,amount,currency,product,sms',
        '+254711000100,100,KES,data,',
        '+254711000200,100,KES,,Hello there',
        '+254711000300,100,KES,,',
        '37132109846,20,USD,zesa,',
      ].join('\n'),
    );
    const at = await runCli(home.home, ['bulk', file, '--provider', 'africastalking', '--dry-run', '--json'], { env });
    expect(at.code).toBe(3);
    const errors = parseJson<DryRunJson>(at.stdout).errors.map((error) => [error.line, error.column, error.reason]);
    expect(errors).toEqual([
      [2, 'product', expect.stringMatching(/^africastalking sells airtime only, not data bundles: use sandbox or zw/)],
      [3, 'sms', expect.stringMatching(/^africastalking sends no custom SMS with an order: use sandbox or zw/)],
      [5, 'product', expect.stringMatching(/^africastalking sells airtime only, not ZESA tokens/)],
    ]);
    const sandbox = write(
      'sandbox.csv',
      [
        'phone,amount,currency,product,product_id',
        '+254711000100,150,KES,data,',
        '3713210984,20,USD,zesa,',
        '+254711000300,100,KES,,202',
        '+254711000400,100,KES,bundle,',
      ].join('\n'),
    );
    const checked = await runCli(home.home, ['bulk', sandbox, '--dry-run', '--json']);
    expect(checked.code).toBe(3);
    expect(parseJson<DryRunJson>(checked.stdout).errors.map((error) => [error.line, error.column])).toEqual([
      [2, 'amount'],
      [3, 'phone'],
      [4, 'product_id'],
      [5, 'product'],
    ]);
  });

  it("shows zw's own preview beside ours on a dry run, with every row where they disagree", async () => {
    const file = write(
      'preview.csv',
      ['phone,amount,currency', '+263772000002,1,USD', '+263772279099,1,USD', '+263772279099,1,USD', '+263772279098,60,USD'].join('\n'),
    );
    const text = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--dry-run'], { env });
    expect(text.code).toBe(3);
    expect(text.stdout).toContain("zw's own preview: 2 valid, 2 invalid, total 2.00 USD (ours: 2 valid, 2 invalid)");
    expect(text.stdout).toContain('  line 2: zw refuses it (invalid_target: 0772000002 is not a subscriber); we accept it');
    expect(text.stdout).toMatch(/ {2}line 4: we refuse it \(duplicate of line 3 \(same phone and amount\)[^)]*\); zw accepts it/);
    const json = parseJson<DryRunJson>((await runCli(home.home, ['bulk', file, '--provider', 'zw', '--dry-run', '--json'], { env })).stdout);
    expect(json.preview).toMatchObject({ provider: 'zw', valid: 2, invalid: 2, ours: { valid: 2, invalid: 2 }, perRow: true });
    expect(json.preview?.disagreements.map((row) => [row.line, row.ours === 'valid' ? 'theirs' : 'ours'])).toEqual([
      [2, 'theirs'],
      [4, 'ours'],
    ]);
    expect(count('POST /api/v1/bulk/preview')).toBe(2);
    expect(count('POST /api/v1/orders') + count('POST /api/v1/bulk')).toBe(0);
    // A file zw agrees with passes; a preview that cannot be asked is a note, and our verdict stands.
    const good = write('good.csv', products);
    const agreed = await runCli(home.home, ['bulk', good, '--provider', 'zw', '--dry-run'], { env });
    expect(agreed.code).toBe(0);
    expect(agreed.stdout).toContain('  zw agrees with every row');
    sim.setFaults({ errorRate: 1 });
    const down = await runCli(home.home, ['bulk', good, '--provider', 'zw', '--dry-run'], { env: { ...env, AIRTIME_HTTP_TIMEOUT_MS: '2000' } });
    sim.setFaults({ errorRate: 0 });
    expect(down.stderr).toMatch(/note: zw's (own preview could not be asked|catalogue could not be read)/);
  });
});

describe('bulk --remote: server-side bulks after our own gate', () => {
  it('sends the batch in zw bulk requests, one agent_reference per row, and a re-run sends nothing', async () => {
    const file = write('products.csv', products);
    const unasked = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--remote'], { env });
    expect(unasked.code).toBe(2);
    expect(count('POST /api/v1/bulk')).toBe(0);
    const result = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--remote', '--yes', '--json'], { env });
    expect(result.code).toBe(0);
    expect(parseJson<BulkJson>(result.stdout)).toMatchObject({ rows: 5, counts: { delivered: 5 } });
    expect(count('POST /api/v1/bulk')).toBe(1);
    expect(count('POST /api/v1/orders')).toBe(0);
    const bulk = JSON.parse(sim.recentRequests.find((request) => request.path === '/api/v1/bulk')?.body ?? '{}') as { orders: { agent_reference: string }[] };
    expect(bulk.orders.map((order) => order.agent_reference)).toEqual(['zwp-1', 'zwp-2', 'zwp-3', 'zwp-4', 'zwp-5']);
    // Status and reconcile ask each order by its own key.
    expect(parseJson<{ status: string }>((await runCli(home.home, ['status', 'zwp-3', '--json'], { env })).stdout).status).toBe('delivered');
    const again = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--remote', '--yes'], { env });
    expect(again.code).toBe(0);
    expect(count('POST /api/v1/bulk')).toBe(1);
    expect(Math.max(...sim.zw.gateway.sendCounts().values())).toBe(1);
    const other = await runCli(home.home, ['bulk', file, '--provider', 'africastalking', '--remote', '--yes'], { env });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/africastalking has no server-side bulk: --remote is for zw/);
  });

  it.each([
    ['claimed, before the bulk left', 'after-claim:1', 1],
    ['the bulk answered, the answer not recorded', 'after-send:1', 0],
  ])('a crash mid-submit (%s) is resolved by asking each order by its agent_reference; each is paid once', async (_name, failpoint, resent) => {
    const rows = ['phone,amount,currency', ...Array.from({ length: 12 }, (_, index) => `+26377${String(index * 10 + 5).padStart(7, '0')},1,USD`)].join('\n');
    const file = write('crash.csv', rows);
    const crashed = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--remote', '--yes'], { env: { ...env, AIRTIME_FAILPOINT: failpoint } });
    expect(crashed.signal).toBe('SIGKILL');
    const bulksBefore = count('POST /api/v1/bulk');
    const resumed = await runCli(home.home, ['bulk', file, '--provider', 'zw', '--remote', '--yes', '--json'], { env });
    expect(resumed.code).toBe(0);
    expect(parseJson<BulkJson>(resumed.stdout)).toMatchObject({ rows: 12, counts: { delivered: 12 } });
    expect(resumed.stderr).toMatch(/asking about 12 rows an earlier run left in flight/);
    // Every order was asked about by its own key, then sent again only if zw had never seen it.
    expect(countMatching(/^GET \/api\/v1\/orders\//)).toBeGreaterThanOrEqual(12);
    expect(count('POST /api/v1/bulk') - bulksBefore).toBe(resent);
    const sends = [...sim.zw.gateway.sendCounts().values()];
    expect(sends).toHaveLength(12);
    expect(Math.max(...sends)).toBe(1);
    expect(sim.zw.gateway.balances().find((balance) => balance.currency === 'USD')?.minor).toBe(1_000_000_00 - 12_00);
  });
});
