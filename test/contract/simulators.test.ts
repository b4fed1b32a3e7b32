import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AfricasTalkingProvider } from '../../src/providers/africastalking.js';
import { LipadProvider } from '../../src/providers/lipad.js';
import type { Provider, SendItem, StatusAnswer } from '../../src/providers/provider.js';
import { queryStatuses } from '../../src/providers/status-many.js';
import { ZwProvider } from '../../src/providers/zw.js';
import type { RunningSimServer } from '../../src/sim/server.js';
import { simCreds, startTestSim } from '../helpers/sim.js';
import { asTransfer } from '../helpers/transfers.js';

const item = (reference: string, phone: string, amountMinor: number, currency: string): SendItem => ({ reference, phone, amountMinor, currency });

let sim: RunningSimServer | undefined;
const providers: Provider[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  await sim?.close();
  sim = undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const folder = () => {
  const made = mkdtempSync(join(tmpdir(), 'airtime-sim-'));
  folders.push(made);
  return made;
};
const track = <P extends Provider>(provider: P) => (providers.push(provider), provider);

describe('slow acceptance (--visible-after)', () => {
  /** The simulators' clock, moved by the test: no sleeping, no timing to race. */
  const clock = { now: Date.now() };
  const visibleAfterMs = 5_000;
  const start = async () => {
    clock.now = Date.now();
    sim = await startTestSim({ faults: { visibleAfterMs }, clock: () => clock.now, settleMs: 100 });
    return sim;
  };

  it('zw: an accepted order is not found until it is visible; a repeat meanwhile returns the same order and charges once', async () => {
    const running = await start();
    const zw = track(new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: running.url, cacheDir: folder() }));
    const sent = item('slow-zw-1', '+263772279099', 300, 'USD');
    const usdBefore = running.zw.gateway.balances().find((balance) => balance.currency === 'USD')?.minor ?? 0;
    expect((await zw.send([sent], null))[0]?.status).toBe('delivered');
    expect(await zw.status(asTransfer(sent))).toMatchObject({ status: 'not-found', scope: 'request' });
    expect((await zw.send([sent], null))[0]?.status).toBe('delivered');
    expect(running.zw.gateway.sendCounts().get('slow-zw-1')).toBe(2);
    expect(usdBefore - (running.zw.gateway.balances().find((balance) => balance.currency === 'USD')?.minor ?? 0)).toBe(300);
    clock.now += visibleAfterMs;
    expect((await zw.status(asTransfer(sent))).status).toBe('delivered');
  });

  it('Lipad: a request reference is unknown until it is visible; resending it meanwhile charges nothing more', async () => {
    const running = await start();
    const lipad = track(new LipadProvider({ ...simCreds.lipad, baseUrl: running.url, cacheDir: folder() }));
    const items = [item('slow-lp-1', '+254711005001', 1000, 'KES'), item('slow-lp-2', '+254711005002', 2000, 'KES')];
    const reference = lipad.requestReference(items);
    const transfers = items.map((sent) => asTransfer(sent, { requestReference: reference }));
    expect((await lipad.send(items, reference)).map((outcome) => outcome.status)).toEqual(['submitted', 'submitted']);
    expect((await queryStatuses(lipad, transfers)).map((answer) => ('scope' in answer ? answer.scope : answer.status))).toEqual(['request', 'request']);
    expect((await lipad.send(items, reference)).map((outcome) => outcome.status)).toEqual(['submitted', 'submitted']);
    expect([...running.lipad.gateway.sendCounts().values()]).toEqual([2, 2]);
    clock.now += visibleAfterMs;
    expect((await queryStatuses(lipad, transfers)).map((answer) => answer.status)).toEqual(['delivered', 'delivered']);
    const kes = running.lipad.gateway.balances().find((balance) => balance.currency === 'KES')?.minor ?? 0;
    expect(1_000_000_00 - kes).toBe(3000);
  });

  it("Africa's Talking: the requestId cannot be found until it is visible; the same Idempotency-Key meanwhile is the same transfer", async () => {
    const running = await start();
    const at = track(new AfricasTalkingProvider({ ...simCreds.at, baseUrl: running.url }));
    const sent = item('slow-at-1', '+254711005003', 10_000, 'KES');
    const [first] = await at.send([sent], sent.reference);
    expect(first?.status).toBe('submitted');
    const transfer = asTransfer(sent, { providerReference: first?.providerReference ?? null });
    expect(await at.status(transfer)).toMatchObject({ status: 'not-found', scope: 'transfer' });
    const [again] = await at.send([sent], sent.reference);
    expect(again?.providerReference).toBe(first?.providerReference);
    expect([...running.at.gateway.sendCounts().values()]).toEqual([2]);
    clock.now += visibleAfterMs;
    expect((await at.status(transfer)).status).toBe('delivered');
  });
});

describe('the simulators in variant mode (--variants)', () => {
  /** Polls a status until it is final; bounded in count. */
  async function untilFinal(ask: () => Promise<StatusAnswer>): Promise<string> {
    let answer = await ask();
    for (let attempt = 0; attempt < 60 && !['delivered', 'failed', 'reversed'].includes(answer.status); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer = await ask();
    }
    return answer.status;
  }

  it('meet every adapter with the variant shapes; nothing reads as failed, everything is delivered once', async () => {
    sim = await startTestSim({ faults: { variants: true, seed: 4242 }, settleMs: 50 });
    const running = sim;
    const zw = track(new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: running.url, cacheDir: folder() }));
    const lipad = track(new LipadProvider({ ...simCreds.lipad, baseUrl: running.url, cacheDir: folder() }));
    const at = track(new AfricasTalkingProvider({ ...simCreds.at, baseUrl: running.url }));
    const states: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      // A fresh adapter each time: every catalogue shape is met, not just the first one cached.
      const fresh = index === 0 ? zw : track(new ZwProvider({ apiKey: simCreds.zw.apiKey, baseUrl: running.url, cacheDir: folder() }));
      const sent = item(`var-zw-${index}`, index % 2 ? '+263772279099' : '+263712279099', 100 + index, 'USD');
      const [outcome] = await fresh.send([sent], null);
      states.push(outcome?.status ?? 'none');
      states.push(await untilFinal(() => fresh.status(asTransfer(sent))));
      expect((await fresh.balance()).some((balance) => balance.currency === 'USD')).toBe(true);
      expect(await fresh.ledger(5)).not.toHaveLength(0);
    }
    for (let index = 0; index < 8; index += 1) {
      const items = [item(`var-lp-${index}-a`, `+2547110060${10 + index}`, 1000, 'KES'), item(`var-lp-${index}-b`, `+2547220060${10 + index}`, 1050, 'KES')];
      const reference = lipad.requestReference(items);
      expect(items.map((sent) => sent.amountMinor)).toEqual([1000, 1050]);
      states.push(...(await lipad.send(items, reference)).map((outcome) => outcome.status));
      for (const sent of items) states.push(await untilFinal(() => lipad.status(asTransfer(sent, { requestReference: reference }))));
    }
    for (let index = 0; index < 8; index += 1) {
      const sent = item(`var-at-${index}`, `+2547110070${10 + index}`, 5000, 'KES');
      const [outcome] = await at.send([sent], sent.reference);
      states.push(outcome?.status ?? 'none');
      states.push(await untilFinal(() => at.status(asTransfer(sent, { providerReference: outcome?.providerReference ?? null }))));
    }
    expect(states).not.toContain('failed');
    expect(states).not.toContain('unknown');
    expect(states.filter((state) => state === 'delivered').length).toBeGreaterThanOrEqual(12 + 16 + 8);
    for (const gateway of [running.zw.gateway, running.lipad.gateway, running.at.gateway]) {
      expect([...gateway.sendCounts().values()].every((count) => count === 1)).toBe(true);
    }
  });
});

describe('what a repeated request does, as each provider plausibly behaves (issue 19)', () => {
  const clock = { now: Date.now() };
  const lipadSend = async (mode: 'dedupe' | 'reject' | 'accept') => {
    sim = await startTestSim({ faults: { lipadDuplicates: mode } });
    const lipad = track(new LipadProvider({ ...simCreds.lipad, baseUrl: sim.url, cacheDir: folder() }));
    const items = [item(`rep-${mode}`, '+254711006001', 1000, 'KES')];
    const reference = lipad.requestReference(items);
    const first = await lipad.send(items, reference);
    const second = await lipad.send(items, reference);
    return { first, second, charges: sim.lipad.gateway.sendCounts().size };
  };

  it('Lipad --lipad-duplicates dedupe: the same reference again is the same request, charged once', async () => {
    const { second, charges } = await lipadSend('dedupe');
    expect(second[0]?.status).toBe('submitted');
    expect(charges).toBe(1);
  });

  it('Lipad --lipad-duplicates reject: the same reference again is refused with 721, charged once', async () => {
    const { second, charges } = await lipadSend('reject');
    expect(second[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/721/) as unknown });
    expect(charges).toBe(1);
  });

  it('Lipad --lipad-duplicates accept: the same reference again pays again', async () => {
    const { second, charges } = await lipadSend('accept');
    expect(second[0]?.status).toBe('submitted');
    expect(charges).toBe(2);
  });

  it("Africa's Talking remembers an Idempotency-Key only for its window; within 5 minutes an identical request is refused as a duplicate, after that it pays again", async () => {
    clock.now = Date.now();
    sim = await startTestSim({ faults: { atKeyWindowMs: 1000 }, clock: () => clock.now });
    const at = track(new AfricasTalkingProvider({ ...simCreds.at, baseUrl: sim.url }));
    const sent = item('window-at-1', '+254711006003', 1000, 'KES');
    expect((await at.send([sent], sent.reference))[0]?.status).toBe('submitted');
    expect((await at.send([sent], sent.reference))[0]?.status).toBe('submitted');
    expect(sim.at.gateway.sendCounts().size).toBe(1);
    clock.now += 2000;
    expect((await at.send([sent], sent.reference))[0]).toMatchObject({ status: 'unknown', error: expect.stringMatching(/duplicate/) as unknown });
    expect(sim.at.gateway.sendCounts().size).toBe(1);
    clock.now += 5 * 60_000;
    expect((await at.send([sent], sent.reference))[0]?.status).toBe('submitted');
    expect(sim.at.gateway.sendCounts().size).toBe(2);
  });

  it("Africa's Talking totals are per currency, never added across currencies; its wallet balance answers", async () => {
    sim = await startTestSim();
    const body = new URLSearchParams({
      username: simCreds.at.username,
      recipients: JSON.stringify([
        { phoneNumber: '+254711006005', amount: 'KES 10' },
        { phoneNumber: '+256771006005', amount: 'UGX 500' },
      ]),
    }).toString();
    const headers = { apikey: simCreds.at.apiKey, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
    const answer = (await (await fetch(`${sim.url}/version1/airtime/send`, { method: 'POST', headers, body })).json()) as { totalAmount: string };
    expect(answer.totalAmount).toBe('KES 10.0000, UGX 500.0000');
    const balance = (await (await fetch(`${sim.url}/query/wallet/balance?username=${simCreds.at.username}`, { headers })).json()) as {
      status: string;
      balance: string;
    };
    expect(balance).toMatchObject({ status: 'Success', balance: expect.stringMatching(/^KES \d+/) as unknown });
  });

  it('zw refuses the agent_references "." and "..", which would make its status URL another path', async () => {
    sim = await startTestSim();
    for (const reference of ['.', '..']) {
      const response = await fetch(`${sim.url}/api/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Api-Key ${simCreds.zw.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ product_id: 100, target: '0772279099', amount: 1, agent_reference: reference }),
      });
      expect([400, 422]).toContain(response.status);
    }
    expect(sim.zw.gateway.sendCounts().size).toBe(0);
  });
});

describe("Africa's Talking's validation callback (--at-validation)", () => {
  it.each([
    ['Validated', 'delivered'],
    ['Failed', 'failed'],
  ] as const)('asks the listener before forwarding; a reply %s leaves the transfer %s', async (reply, state) => {
    const { createServer } = await import('node:http');
    const asked: string[] = [];
    const listener = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/callbacks/africastalking/validation') asked.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: reply }));
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
    const port = (listener.address() as { port: number }).port;
    try {
      sim = await startTestSim({ faults: { atValidation: true }, callbackUrl: `http://127.0.0.1:${port}`, settleMs: 2000 });
      const at = track(new AfricasTalkingProvider({ ...simCreds.at, baseUrl: sim.url }));
      const sent = item('validate-at-1', '+254711006007', 1000, 'KES');
      const [outcome] = await at.send([sent], sent.reference);
      expect(outcome?.status).toBe('submitted');
      for (let wait = 0; wait < 100 && asked.length === 0; wait += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(JSON.parse(asked[0] ?? '{}')).toMatchObject({ phoneNumber: '+254711006007', currencyCode: 'KES', amount: '10.00' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const transfer = sim.at.gateway.byKey(`${sent.reference}#0`);
      if (state === 'failed') expect(transfer).toMatchObject({ state: 'failed', error: 'Validation Failed' });
      else expect(transfer?.state).toBe('pending');
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
