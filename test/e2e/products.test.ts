import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { simCreds, simEnv, startTestSim } from '../helpers/sim.js';

interface TransferOut {
  reference: string;
  status: string;
  phone: string;
  amount: string;
  currency: string;
  meter?: string;
  product?: { kind: string; id: string | number | null };
  sms?: string;
  retryHours?: number;
  campaign?: string;
  tokens?: { role: string; token: string; grouped: string; label: string }[];
  units?: string | null;
}

const fast = { AIRTIME_SANDBOX_SETTLE_MS: '50' };

let sim: RunningSimServer;
let env: Record<string, string>;
let home: ReturnType<typeof tempHome>;

beforeAll(async () => {
  sim = await startTestSim({ settleMs: 50 });
  env = simEnv(sim.url);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  home = tempHome();
});
afterEach(() => {
  home.cleanup();
});

const requests = (name: string) => sim.requestCounts.get(name) ?? 0;
const lastBody = (path: string) => sim.recentRequests.filter((request) => request.path === path).at(-1)?.body ?? '';

describe('airtime products and providers', () => {
  it('lists the sandbox catalogue as lines and as JSON, filtered by kind and network', async () => {
    const table = await runCli(home.home, ['products', '--kind', 'zesa']);
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split('\n')).toEqual([
      'id\tname\tnetwork\tkind\tcurrency\tmin\tmax',
      '301\tZESA token USD\tZESA\tzesa\tUSD\t1\t200',
      '302\tZESA token ZWG\tZESA\tzesa\tZWG\t10\t5000',
    ]);
    const data = parseJson<{ provider: string; products: { id: number; kind: string; currency: string; min: string; max: string }[] }>(
      (await runCli(home.home, ['products', '--kind', 'data', '--json'])).stdout,
    );
    expect(data.provider).toBe('sandbox');
    expect(data.products.map((product) => product.id)).toEqual([201, 202, 203, 204]);
    expect(data.products[0]).toMatchObject({ kind: 'data', currency: 'KES', min: '100', max: '100' });
  });

  it("lists zw's catalogue from its API, by network in any case", async () => {
    const result = await runCli(home.home, ['products', '--provider', 'zw', '--kind', 'data', '--network', 'econet', '--json'], { env });
    expect(result.code).toBe(0);
    const listed = parseJson<{ products: { id: number; network: string; min: string; max: string }[] }>(result.stdout);
    expect(listed.products.map((product) => [product.id, product.network, product.min, product.max])).toEqual([
      [200, 'Econet', '1', '1'],
      [201, 'Econet', '5', '5'],
    ]);
    const none = await runCli(home.home, ['products', '--provider', 'zw', '--network', 'Safaricom'], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/zw sells nothing that matches --network Safaricom \(networks: Econet, NetOne, Telecel, ZESA\)/);
  });

  it('says a provider without a catalogue sells airtime only, without needing its credentials', async () => {
    const result = await runCli(home.home, ['products', '--provider', 'africastalking']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/africastalking publishes no product catalogue: it sells airtime only/);
  });

  it('shows which provider offers which product kinds and extras', async () => {
    const json = parseJson<{ providers: { name: string; offers: { products: string[]; retries: boolean; campaignPayouts: boolean } }[] }>(
      (await runCli(home.home, ['providers', '--json'])).stdout,
    );
    const offers = Object.fromEntries(json.providers.map((entry) => [entry.name, entry.offers]));
    expect(offers.zw).toMatchObject({ products: ['airtime', 'data', 'zesa'], campaignPayouts: true, retries: false });
    expect(offers.sandbox?.products).toEqual(['airtime', 'data', 'zesa']);
    expect(offers.africastalking).toMatchObject({ products: ['airtime'], retries: true });
    expect(offers.lipad?.products).toEqual(['airtime']);
    const text = await runCli(home.home, ['providers']);
    expect(text.stdout).toMatch(/^zw\t[^\t]+\tairtime, data, zesa\tcustom SMS, wallet top-up, bulk preview, server-side bulk, campaign payouts\t/m);
    expect(text.stdout).toMatch(/^africastalking\t[^\t]+\tairtime\tdelivery retries\t/m);
  });
});

describe('send --product: data bundles and ZESA tokens', () => {
  it('buys ZESA tokens for a meter on the sandbox: three tokens for a meter due for its key change, in order, named', async () => {
    const sent = await runCli(home.home, ['send', '3713 2100 004', '20', '--product', 'zesa', '--key', 'z1', '--wait', '--yes', '--json'], { env: fast });
    expect(sent.code).toBe(0);
    const transfer = parseJson<TransferOut>(sent.stdout);
    expect(transfer).toMatchObject({
      status: 'delivered',
      phone: '37132100004',
      meter: '37132100004',
      amount: '20.00',
      currency: 'USD',
      product: { kind: 'zesa' },
    });
    expect(transfer.tokens?.map((token) => token.role)).toEqual(['key-change-1', 'key-change-2', 'recharge']);
    expect(transfer.tokens?.map((token) => token.label)).toEqual([
      '1 of 3: key change token 1 (enter first)',
      '2 of 3: key change token 2 (enter second)',
      '3 of 3: recharge token (enter last)',
    ]);
    expect(transfer.tokens?.every((token) => /^\d{20}$/.test(token.token) && token.grouped === token.token.replace(/(\d{4})(?=\d)/g, '$1 '))).toBe(true);
    expect(transfer.units).toBe('166.0');
    // Journaled: the status command reads them back, and a pipe gets them as fields in entry order.
    const line = (await runCli(home.home, ['status', 'z1'], { env: fast })).stdout.trim().split('\t');
    expect(line.slice(0, 4)).toEqual(['delivered', 'z1', '37132100004', '20.00 USD']);
    expect(line.slice(5)).toEqual((transfer.tokens ?? []).map((token) => `${token.role}:${token.token}`));
  });

  it('says the token comes once delivered when the answer is only an acceptance', async () => {
    const sent = await runCli(home.home, ['send', '37132109846', '5', '--product', 'zesa', '--key', 'z2', '--yes', '--json'], {
      env: { AIRTIME_SANDBOX_SETTLE_MS: '60000' },
    });
    expect(sent.code).toBe(0);
    expect(parseJson<TransferOut>(sent.stdout)).toMatchObject({ status: 'submitted', tokens: [], units: null });
    expect(sent.stderr).toMatch(/the ZESA tokens come once it is delivered: 'airtime status z2' shows them/);
  });

  it('refuses a bad meter, a bad SMS, a bundle price the catalogue has not, and a product the provider does not sell — before anything is journaled', async () => {
    const meter = await runCli(home.home, ['send', '3713210984', '20', '--product', 'zesa', '--yes']);
    expect(meter.code).toBe(3);
    expect(meter.stderr).toMatch(/error: meter number "3713210984" has 10 digits: a ZESA prepaid meter number has 11 \(e\.g\. 37132109846\)/);
    const sms = await runCli(home.home, ['send', '+254711000100', '100', '--sms', 'x'.repeat(161), '--yes']);
    expect(sms.code).toBe(3);
    expect(sms.stderr).toMatch(/--sms is 161 SMS characters long/);
    const bundle = await runCli(home.home, ['send', '+254711000100', '150', '--product', 'data', '--yes']);
    expect(bundle.code).toBe(3);
    expect(bundle.stderr).toMatch(
      /amount 150.00 KES fits none of sandbox's data products \(Data 1GB \(30 days\): 100.00 KES; Data 5GB \(30 days\): 500.00 KES\)/,
    );
    const at = await runCli(home.home, ['send', '37132109846', '20', '--product', 'zesa', '--provider', 'africastalking', '--yes'], { env });
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/africastalking sells airtime only, not ZESA tokens: use sandbox or zw/);
    const listed = parseJson<{ transfers: unknown[] }>((await runCli(home.home, ['status', '--json'])).stdout);
    expect(listed.transfers).toEqual([]);
  });

  it('buys ZESA tokens through zw: the order goes to the meter, the tokens come in the answer and stay in the journal', async () => {
    const sent = await runCli(home.home, ['send', '37132100004', '10', '--product', 'zesa', '--provider', 'zw', '--key', 'zw-z1', '--yes'], { env });
    expect(sent.code).toBe(0);
    const fields = sent.stdout.trim().split('\t');
    expect(fields.slice(0, 4)).toEqual(['delivered', 'zw-z1', '37132100004', '10.00 USD']);
    expect(fields.slice(5).map((field) => field.replace(/:\d{20}$/, ''))).toEqual(['key-change-1', 'key-change-2', 'recharge']);
    expect(JSON.parse(lastBody('/api/v1/orders'))).toEqual({ product_id: 300, target: '37132100004', amount: 10, agent_reference: 'zw-z1' });
    const status = parseJson<TransferOut>((await runCli(home.home, ['status', 'zw-z1', '--json'], { env })).stdout);
    expect(status.tokens?.map((token) => `${token.role}:${token.token}`)).toEqual(fields.slice(5));
    expect(status.units).toBe('83.0');
    // By product id alone: the catalogue says it is a ZESA token, so the target is a meter.
    const byId = await runCli(home.home, ['send', '37132109846', '5', '--product-id', '300', '--provider', 'zw', '--yes', '--json'], { env });
    expect(byId.code).toBe(0);
    expect(parseJson<TransferOut>(byId.stdout)).toMatchObject({ status: 'delivered', product: { kind: 'zesa', id: '300' }, tokens: [{ role: 'recharge' }] });
  });

  it('sends a zw data bundle with a custom SMS, and refuses out-of-range amounts before any order leaves', async () => {
    const sent = await runCli(
      home.home,
      ['send', '+263772279099', '5', '--product', 'data', '--sms', 'Your data for May {ACME}', '--provider', 'zw', '--key', 'zw-d1', '--yes', '--json'],
      { env },
    );
    expect(sent.code).toBe(0);
    expect(parseJson<TransferOut>(sent.stdout)).toMatchObject({ status: 'delivered', product: { kind: 'data' }, sms: 'Your data for May {ACME}' });
    expect(JSON.parse(lastBody('/api/v1/orders'))).toEqual({
      product_id: 201,
      target: '0772279099',
      amount: 5,
      agent_reference: 'zw-d1',
      custom_sms: 'Your data for May {ACME}',
    });
    const orders = requests('POST /api/v1/orders');
    const range = await runCli(home.home, ['send', '+263772279099', '60', '--provider', 'zw', '--yes'], { env });
    expect(range.code).toBe(3);
    expect(range.stderr).toMatch(/amount 60.00 USD is outside Econet airtime USD's range 0.1–50 USD/);
    const dry = await runCli(home.home, ['send', '+263772279099', '1', '--product', 'data', '--provider', 'zw', '--dry-run', '--json'], { env });
    expect(parseJson<{ product: unknown }>(dry.stdout).product).toEqual({ kind: 'data', id: 200, name: 'Econet data 1GB' });
    expect(requests('POST /api/v1/orders')).toBe(orders);
  });
});

describe('wallet topup', () => {
  it('prints the payment page; the wallet shows the money once the page is paid, once', async () => {
    const usd = async () =>
      parseJson<{ balances: { currency: string; amount: string }[] }>(
        (await runCli(home.home, ['wallet', '--provider', 'zw', '--json'], { env })).stdout,
      ).balances.find((balance) => balance.currency === 'USD')?.amount;
    const before = Number(await usd());
    const started = await runCli(home.home, ['wallet', 'topup', '50', 'USD', '--provider', 'zw'], { env });
    expect(started.code).toBe(0);
    const url = started.stdout.trim();
    expect(url).toMatch(new RegExp(`^${sim.url}/pay/top_[0-9a-f]+$`));
    expect(started.stderr).toMatch(
      /top-up top_[0-9a-f]+ of 50.00 USD started on zw \(profile default\): open the link above to pay; 'airtime wallet --provider zw' shows the new balance once it is paid/,
    );
    expect(Number(await usd())).toBe(before);
    for (let visit = 0; visit < 2; visit += 1) {
      const page = await request(url);
      expect(page.statusCode).toBe(200);
      expect(await page.body.text()).toMatch(/Paid: 50.00 USD/);
    }
    expect(Number(await usd())).toBeCloseTo(before + 50, 2);
    const json = parseJson<{ provider: string; status: string; amount: string; currency: string; paymentUrl: string }>(
      (await runCli(home.home, ['wallet', 'topup', '12.5', 'ZWG', '--provider', 'zw', '--json'], { env })).stdout,
    );
    expect(json).toMatchObject({ provider: 'zw', status: 'pending', amount: '12.50', currency: 'ZWG' });
    expect(json.paymentUrl).toMatch(/\/pay\/top_/);
  });

  it('is refused where the provider has none, and for a bad amount', async () => {
    const at = await runCli(home.home, ['wallet', 'topup', '50', 'KES', '--provider', 'africastalking']);
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/africastalking has no wallet top-up the tool can start: top it up in its portal \(wallet top-up: sandbox, zw\)/);
    const bad = await runCli(home.home, ['wallet', 'topup', 'fifty', 'USD', '--provider', 'zw'], { env });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/amount "fifty" is not a number/);
  });
});

describe('campaign payout', () => {
  const payout = (args: string[], extra: Record<string, string> = {}) =>
    runCli(home.home, ['campaign', 'payout', 'cmp_survey', ...args, '--provider', 'zw'], { env: { ...env, ...extra } });

  it('pays a reward once per reference, signed with the campaign secret, journaled like any transfer', async () => {
    const route = 'POST /api/v1/campaigns/cmp_survey/payouts';
    const before = requests(route);
    const paid = await payout(['+263772279099', '--amount', '1', '--reference', 'resp-1041', '--yes', '--json']);
    expect(paid.code).toBe(0);
    expect(parseJson<TransferOut>(paid.stdout)).toMatchObject({
      reference: 'resp-1041',
      status: 'delivered',
      campaign: 'cmp_survey',
      amount: '1.00',
      currency: 'USD',
    });
    const sent = sim.recentRequests.filter((request) => request.path === '/api/v1/campaigns/cmp_survey/payouts').at(-1);
    expect(JSON.parse(sent?.body ?? '')).toEqual({ target: '0772279099', amount: 1, currency: 'USD', agent_reference: 'resp-1041' });
    expect(sent?.headers['x-airtime-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const again = await payout(['+263772279099', '--amount', '1', '--reference', 'resp-1041', '--yes']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already sent under key resp-1041: nothing sent this time/);
    expect(requests(route)).toBe(before + 1);
    // The same reference for another amount is another payout: refused.
    const changed = await payout(['+263772279099', '--amount', '2', '--reference', 'resp-1041', '--yes']);
    expect(changed.code).toBe(3);
    expect(changed.stderr).toMatch(/key "resp-1041" was already used for a different transfer/);
  });

  it('goes through the gate: a dry run and a missing --yes send nothing; the repeat guard catches a second payout to a phone', async () => {
    const route = 'POST /api/v1/campaigns/cmp_survey/payouts';
    const before = requests(route);
    const dry = await payout(['+263772279098', '--amount', '1', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /dry run: would send 1.00 USD from campaign cmp_survey to \+263772279098 via zw \(profile default\), key tx_[0-9a-z]+; nothing sent/,
    );
    const unasked = await payout(['+263772279098', '--amount', '1']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/--yes/);
    expect(requests(route)).toBe(before);
    expect((await payout(['+263772279098', '--amount', '1', '--reference', 'resp-a', '--yes'])).code).toBe(0);
    const repeat = await payout(['+263772279098', '--amount', '1', '--reference', 'resp-b', '--yes']);
    expect(repeat.code).toBe(1);
    expect(repeat.stderr).toMatch(/repeats a payment of the last 30 days/);
    expect(requests(route)).toBe(before + 1);
  });

  it('a wrong campaign secret is a configuration error that sends nothing; the same reference goes once it is right', async () => {
    const wrong = await payout(['+263772279097', '--amount', '1', '--reference', 'resp-s', '--yes'], { ZW_CAMPAIGN_SECRET: 'not-the-secret' });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/zw refused the payout's credentials \(HTTP 401\): check the api-key and the campaign-secret/);
    expect(wrong.stderr).not.toContain('not-the-secret');
    const right = await payout(['+263772279097', '--amount', '1', '--reference', 'resp-s', '--yes', '--json']);
    expect(right.code).toBe(0);
    expect(right.stderr).toMatch(/key resp-s was never sent/);
    expect(parseJson<TransferOut>(right.stdout).status).toBe('delivered');
    const none = await payout(['+263772279096', '--amount', '1', '--yes'], { ZW_CAMPAIGN_SECRET: '' });
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/zw needs a campaign-secret to sign payouts/);
  });

  it('keeps the campaign secret masked in the profile, and refuses a provider that runs no campaigns', async () => {
    expect((await runCli(home.home, ['profile', 'add', 'zim', '--provider', 'zw', '--use'])).code).toBe(0);
    expect((await runCli(home.home, ['config', 'set', 'campaign-secret', '--stdin'], { input: `${simCreds.zw.campaignSecret}\n` })).code).toBe(0);
    const listed = await runCli(home.home, ['config', 'list', '--json']);
    expect(listed.stdout).not.toContain(simCreds.zw.campaignSecret);
    expect(parseJson<{ settings: Record<string, string> }>(listed.stdout).settings['campaign-secret']).toMatch(/^••••cret$/);
    expect((await runCli(home.home, ['config', 'get', 'campaign-secret'])).stdout).not.toContain(simCreds.zw.campaignSecret);
    const at = await runCli(home.home, ['campaign', 'payout', 'cmp_survey', '+254711000100', '--amount', '1', '--provider', 'africastalking', '--yes']);
    expect(at.code).toBe(2);
    expect(at.stderr).toMatch(/africastalking runs no campaigns: campaign payouts are zw's/);
  });
});
