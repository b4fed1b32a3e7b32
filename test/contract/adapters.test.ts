import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Transfer } from '../../src/journal/transfer.js';
import { AfricasTalkingProvider } from '../../src/providers/africastalking.js';
import { LipadProvider } from '../../src/providers/lipad.js';
import { ZwProvider } from '../../src/providers/zw.js';
import type { Provider, SendItem } from '../../src/providers/provider.js';
import { queryStatuses } from '../../src/providers/status-many.js';
import type { RunningSimServer } from '../../src/sim/server.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { simCreds, startTestSim } from '../helpers/sim.js';
import { asTransfer } from '../helpers/transfers.js';

const item = (reference: string, phone = '+254711000100', amountMinor = 10000, currency = 'KES'): SendItem => ({ reference, phone, amountMinor, currency });

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, attempts = 50): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < attempts && !done(value); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('adapter contracts against the simulators', () => {
  let sim: RunningSimServer;
  let cacheDir: string;
  const open: Provider[] = [];
  const track = <P extends Provider>(provider: P) => (open.push(provider), provider);

  beforeAll(async () => {
    sim = await startTestSim();
    cacheDir = mkdtempSync(join(tmpdir(), 'airtime-cache-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((provider) => provider.close()));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  describe("Africa's Talking", () => {
    const at = () => track(new AfricasTalkingProvider({ ...simCreds.at, baseUrl: sim.url }));

    it('sends the documented form body and headers, and maps per-recipient answers', async () => {
      const provider = at();
      const items = [item('at-1'), item('at-2', '+254711000002', 5000)];
      const outcomes = await provider.send(items, provider.requestReference(items));
      const request = sim.recentRequests.at(-1);
      expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(request?.headers.apikey).toBe(simCreds.at.apiKey);
      expect(request?.headers['idempotency-key']).toBe(provider.requestReference(items));
      const form = new URLSearchParams(request?.body);
      expect(form.get('username')).toBe('sandbox');
      expect(JSON.parse(form.get('recipients') ?? '')).toEqual([
        { phoneNumber: '+254711000100', amount: 'KES 100.00' },
        { phoneNumber: '+254711000002', amount: 'KES 50.00' },
      ]);
      expect(outcomes[0]).toMatchObject({ reference: 'at-1', status: 'submitted' });
      expect(outcomes[0]?.providerReference).toMatch(/^ATQid_/);
      expect(outcomes[1]).toMatchObject({ reference: 'at-2', status: 'failed', error: 'Invalid Phone Number', providerReference: null });
    });

    it('finds a transaction by requestId once it settles, and reads the balance', async () => {
      const provider = at();
      const [sent] = await provider.send([item('at-3')], 'at-3');
      const status = await eventually(
        () => provider.status(asTransfer(item('at-3'), { providerReference: sent?.providerReference ?? null })),
        (answer) => answer.status === 'delivered',
      );
      expect(status.status).toBe('delivered');
      const [balance] = await provider.balance();
      expect(balance?.currency).toBe('KES');
    });

    it('cannot look up a transfer whose requestId was never recorded: not found, for this transfer only', async () => {
      expect(await at().status(asTransfer(item('at-none')))).toMatchObject({ status: 'not-found', scope: 'transfer' });
    });

    it('maps a value outside the limits to a failed recipient', async () => {
      const [outcome] = await at().send([item('at-4', '+254711000100', 2_000_000)], 'at-4');
      expect(outcome).toMatchObject({ status: 'failed', error: 'Value Outside The Allowed Limits' });
    });

    it('names the credentials on a 401', async () => {
      const provider = track(new AfricasTalkingProvider({ username: 'sandbox', apiKey: 'wrong', baseUrl: sim.url }));
      await expect(provider.balance()).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('AT_API_KEY') });
    });
  });

  describe('Lipad', () => {
    const lipad = () => track(new LipadProvider({ ...simCreds.lipad, baseUrl: sim.url, cacheDir }));

    it('authenticates once, sends digits without + under one reference, and reads per-recipient status', async () => {
      const authBefore = sim.requestCounts.get('POST /v1/auth') ?? 0;
      const provider = lipad();
      const items = [item('lp-1'), item('lp-2', '+254722000100', 5000)];
      const reference = provider.requestReference(items);
      const outcomes = await provider.send(items, reference);
      const request = sim.recentRequests.at(-1);
      expect(JSON.parse(request?.body ?? '')).toEqual({
        reference,
        recipients: [
          { phone_number: '254711000100', amount: '100' },
          { phone_number: '254722000100', amount: '50' },
        ],
      });
      expect(request?.headers['x-access-token']).toBeTruthy();
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['submitted', 'submitted']);
      const status = await eventually(
        () => provider.status(asTransfer(items[1]!, { requestReference: reference })),
        (answer) => answer.status === 'delivered',
      );
      expect(status.status).toBe('delivered');
      // A second adapter reuses the cached token from the data folder.
      await lipad().status(asTransfer(items[0]!, { requestReference: reference }));
      expect((sim.requestCounts.get('POST /v1/auth') ?? 0) - authBefore).toBe(1);
    });

    it('authenticates again once when the token is refused', async () => {
      const provider = lipad();
      await provider.send([item('lp-3')], null);
      sim.lipad.expireTokens();
      const before = sim.requestCounts.get('POST /v1/auth') ?? 0;
      const [outcome] = await provider.send([item('lp-4')], null);
      expect(outcome?.status).toBe('submitted');
      expect((sim.requestCounts.get('POST /v1/auth') ?? 0) - before).toBe(1);
    });

    it('carries up to 1000 recipients in one request', async () => {
      const items = Array.from({ length: 1000 }, (_, index) => item(`lp-bulk-${index}`, `+25471120${5000 + index}`, 1000));
      const before = sim.requestCounts.get('POST /v1/gw/airtime/send') ?? 0;
      const outcomes = await lipad().send(items, null);
      expect(outcomes.filter((outcome) => outcome.status === 'submitted')).toHaveLength(1000);
      expect((sim.requestCounts.get('POST /v1/gw/airtime/send') ?? 0) - before).toBe(1);
    });

    it('asks about a 3,000-row batch sent in 3 requests with 3 status requests, not 3,000', async () => {
      const provider = lipad();
      const transfers: Transfer[] = [];
      for (let request = 0; request < 3; request += 1) {
        const items = Array.from({ length: 1000 }, (_, index) =>
          item(`lp-3k-${request}-${index}`, `+2547${request + 1}${String(10_005_000 + index).slice(1)}`, 1000),
        );
        const reference = provider.requestReference(items);
        const outcomes = await provider.send(items, reference);
        expect(outcomes.every((outcome) => outcome.status === 'submitted')).toBe(true);
        transfers.push(...items.map((sent) => asTransfer(sent, { requestReference: reference })));
      }
      const statusRequests = () =>
        [...sim.requestCounts].filter(([route]) => /^GET \/v1\/gw\/airtime\/.+\/status$/.test(route)).reduce((sum, [, count]) => sum + count, 0);
      const before = statusRequests();
      const answers = await queryStatuses(provider, transfers);
      expect(statusRequests() - before).toBe(3);
      expect(answers).toHaveLength(3000);
      expect(answers.every((answer) => answer.status === 'submitted' || answer.status === 'delivered')).toBe(true);
    });

    it('authenticates again once when a call is answered 403, and names the credentials when the new token is refused too', async () => {
      let sends = 0;
      const server = await startScriptedServer((request) => {
        if (request.path === '/v1/auth')
          return { status: 200, body: JSON.stringify({ access_token: `token-${Date.now()}-${Math.random()}`, expiresIn: 3600 }) };
        sends += 1;
        if (sends === 1 || sends >= 3) return { status: 403, body: '{"message":"Forbidden"}' };
        return { status: 200, body: JSON.stringify({ reference: (JSON.parse(request.body) as { reference: string }).reference, response_code: '720' }) };
      });
      try {
        const provider = track(new LipadProvider({ ...simCreds.lipad, baseUrl: server.url, cacheDir: mkdtempSync(join(tmpdir(), 'lp-')) }));
        const [outcome] = await provider.send([item('lp-403')], null);
        expect(outcome?.status).toBe('submitted');
        expect(server.requests.filter((request) => request.path === '/v1/auth')).toHaveLength(2);
        await expect(provider.send([item('lp-403b')], null)).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('HTTP 403') });
      } finally {
        await server.close();
      }
    });

    it('says plainly that it has no balance endpoint', async () => {
      await expect(lipad().balance()).rejects.toThrow(/balance is not supported by lipad/);
    });

    it('names the credentials when they are wrong', async () => {
      const provider = track(
        new LipadProvider({ consumerKey: 'nope', consumerSecret: 'nope', baseUrl: sim.url, cacheDir: mkdtempSync(join(tmpdir(), 'lp-')) }),
      );
      await expect(provider.send([item('lp-5')], null)).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('LIPAD_CONSUMER_KEY') });
    });
  });

  describe('zw', () => {
    const zw = () => track(new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: sim.url, cacheDir }));

    it('orders with the Api-Key header, the local target and our key as agent_reference', async () => {
      const provider = zw();
      const [outcome] = await provider.send([item('zw-1', '+263772279099', 500, 'USD')], null);
      const request = sim.recentRequests.at(-1);
      expect(request?.headers.authorization).toBe(`Api-Key ${simCreds.zw.apiKey}`);
      expect(JSON.parse(request?.body ?? '')).toEqual({ product_id: 100, target: '0772279099', amount: 5, agent_reference: 'zw-1' });
      expect(outcome).toMatchObject({ status: 'delivered' });
    });

    it('returns the same order for a repeated agent_reference, charging once', async () => {
      const provider = zw();
      const usdBefore = (await provider.balance()).find((balance) => balance.currency === 'USD')?.minor ?? 0;
      const first = await provider.send([item('zw-2', '+263772279099', 250, 'USD')], null);
      const second = await provider.send([item('zw-2', '+263772279099', 250, 'USD')], null);
      expect(second[0]?.providerReference).toBe(first[0]?.providerReference);
      const usdAfter = (await provider.balance()).find((balance) => balance.currency === 'USD')?.minor ?? 0;
      expect(usdBefore - usdAfter).toBe(250);
      const ledger = await provider.ledger(10);
      expect(ledger.find((entry) => entry.reference === 'zw-2')?.minor).toBe(-250);
    });

    it('checks the product range locally', async () => {
      const [outcome] = await zw().send([item('zw-3', '+263772279099', 100_00, 'USD')], null);
      expect(outcome).toMatchObject({ status: 'failed', error: expect.stringContaining('outside') });
    });

    it('reports an unknown order, then resolves it by status query', async () => {
      const provider = zw();
      const sent = item('zw-4', '+263772000003', 100, 'USD');
      const [outcome] = await provider.send([sent], null);
      expect(outcome?.status).toBe('unknown');
      const status = await eventually(
        () => provider.status(asTransfer(sent)),
        (answer) => answer.status === 'delivered',
        60,
      );
      expect(status.status).toBe('delivered');
      expect((await provider.status(asTransfer(item('zw-missing')))).status).toBe('not-found');
    });

    it('takes the base URL with or without /api/v1, and asks about many orders in input order', async () => {
      const provider = track(new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: `${sim.url}/api/v1/`, cacheDir: mkdtempSync(join(tmpdir(), 'zw-')) }));
      const items = [item('zw-many-1', '+263772279099', 100, 'USD'), item('zw-many-2', '+263712279099', 200, 'USD')];
      for (const sent of items) expect((await provider.send([sent], null))[0]?.status).toBe('delivered');
      const answers = await queryStatuses(provider, [asTransfer(items[1]!), asTransfer(item('zw-never-sent')), asTransfer(items[0]!)]);
      expect(answers.map((answer) => answer.status)).toEqual(['delivered', 'not-found', 'delivered']);
      expect(answers[1]).toMatchObject({ status: 'not-found', scope: 'request' });
    });

    it('names the credential when the key is wrong', async () => {
      const provider = track(new ZwProvider({ apiKey: 'wrong', baseUrl: sim.url, cacheDir: mkdtempSync(join(tmpdir(), 'zw-')) }));
      await expect(provider.balance()).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('ZW_API_KEY') });
    });
  });
});

describe('the HTTP client under injected faults', () => {
  it('retries 429 (Retry-After honoured) and still pays once', async () => {
    const sim = await startTestSim({ faults: { rateLimitRate: 0.5, seed: 7 } });
    const provider = new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: sim.url, cacheDir: mkdtempSync(join(tmpdir(), 'zw-')) });
    try {
      for (let index = 0; index < 10; index += 1) {
        const [outcome] = await provider.send([item(`rl-${index}`, '+263772279099', 100, 'USD')], null);
        expect(outcome?.status).toBe('delivered');
      }
      expect(sim.requestCounts.get('POST /api/v1/orders') ?? 0).toBeGreaterThan(10);
      expect([...sim.zw.gateway.sendCounts().values()].every((count) => count === 1)).toBe(true);
    } finally {
      await provider.close();
      await sim.close();
    }
  });

  it('turns a reset after processing into retries under the same key, never a second charge', async () => {
    const sim = await startTestSim({ faults: { resetRate: 0.3, errorRate: 0.2, seed: 3 } });
    const provider = new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: sim.url, cacheDir: mkdtempSync(join(tmpdir(), 'zw-')) });
    try {
      const statuses: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        try {
          const [outcome] = await provider.send([item(`rs-${index}`, '+263772279099', 100, 'USD')], null);
          statuses.push(outcome?.status ?? 'none');
        } catch {
          statuses.push('threw');
        }
      }
      expect(statuses.every((status) => status === 'delivered' || status === 'unknown' || status === 'threw')).toBe(true);
      const usd = sim.zw.gateway.balances().find((balance) => balance.currency === 'USD')?.minor ?? 0;
      const delivered = sim.zw.gateway.sendCounts().size;
      expect(1_000_000_00 - usd).toBe(delivered * 100);
    } finally {
      await provider.close();
      await sim.close();
    }
  });
});
