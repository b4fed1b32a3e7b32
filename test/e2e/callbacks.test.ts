import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { startCli, type LongRunning } from '../helpers/process.js';
import { simEnv, startTestSim, simCreds } from '../helpers/sim.js';

const secret = simCreds.zw.webhookSecret;
const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await request(url, { method: 'POST', headers, body });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('airtime serve-callbacks', () => {
  let home: ReturnType<typeof tempHome>;
  let listener: LongRunning;
  let base: string;

  const startListening = async (args: string[] = [], env: Record<string, string> = {}) => {
    listener = startCli(home.home, ['serve-callbacks', '--port', '0', '--format', 'json', ...args], { ZW_WEBHOOK_SECRET: secret, ...env });
    base = (await listener.waitFor(/ready: (http:\/\/127\.0\.0\.1:\d+)/))[1] ?? '';
  };
  const events = () =>
    listener
      .stdout()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            provider: string;
            status: string;
            reference: string;
            flags: string[];
            httpStatus: number;
            outcome: string;
            forwardStatus?: number;
          },
      );

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    // Unset when a test failed before it started listening.
    await (listener as LongRunning | undefined)?.stop();
    home.cleanup();
  });

  it('shows sandbox sends arriving as final lines, as NDJSON that parses line by line', async () => {
    await startListening();
    const env = { AIRTIME_SANDBOX_SETTLE_MS: '100' };
    await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--key', 'cb-ok'], { env });
    await runCli(home.home, ['send', '+254711000001', '100', '--yes', '--key', 'cb-fail'], { env });
    await runCli(home.home, ['send', '+254711000003', '100', '--yes', '--key', 'cb-lost'], { env });
    await listener.waitFor(/"reference":"cb-lost"/);
    await listener.waitFor(/"reference":"cb-ok"/);
    const byReference = new Map(events().map((event) => [event.reference, event]));
    expect(byReference.get('cb-ok')).toMatchObject({ provider: 'sandbox', status: 'delivered', httpStatus: 200 });
    expect(byReference.get('cb-lost')).toMatchObject({ status: 'delivered', outcome: 'moved' });
    const status = parseJson<{ status: string }>((await runCli(home.home, ['status', 'cb-lost', '--json'])).stdout);
    expect(status.status).toBe('delivered');
  });

  it('refuses a forged zw signature with 401 and changes nothing; records a real one once', async () => {
    const sim = await startTestSim();
    try {
      const env = simEnv(sim.url);
      const sent = await runCli(home.home, ['send', '+263772000003', '1', '--provider', 'zw', '--key', 'zw-cb', '--yes', '--json'], { env });
      expect(parseJson<{ status: string }>(sent.stdout).status).toBe('unknown');
      await startListening([], env);
      const body = JSON.stringify({
        event: 'order.updated',
        order: {
          id: 'ord_1',
          agent_reference: 'zw-cb',
          product_id: 100,
          target: '0772000003',
          amount: 1,
          currency: 'USD',
          status: 'success',
          provider_ref: 'ZWP1',
          message: null,
          created_at: 'x',
          updated_at: 'y',
        },
      });
      expect((await post(`${base}/callbacks/zw`, body, { 'content-type': 'application/json', 'x-airtime-signature': sign(body, 'forged') })).status).toBe(401);
      expect((await post(`${base}/callbacks/zw`, body)).status).toBe(401);
      // The journal as it stands (a listing asks no provider): the forged callbacks changed nothing.
      const listed = parseJson<{ transfers: { reference: string; status: string }[] }>((await runCli(home.home, ['status', '--json'], { env })).stdout);
      expect(listed.transfers.find((transfer) => transfer.reference === 'zw-cb')?.status).toBe('unknown');

      const signed = { 'content-type': 'application/json', 'x-airtime-signature': sign(body) };
      expect(await post(`${base}/callbacks/zw`, body, signed)).toEqual({ status: 200, text: 'OK' });
      expect((await post(`${base}/callbacks/zw`, body, signed)).status).toBe(200);
      await listener.waitFor(/"duplicate"/);
      const zwEvents = events().filter((event) => event.provider === 'zw');
      expect(zwEvents.map((event) => event.httpStatus)).toEqual([401, 401, 200, 200]);
      expect(zwEvents[2]).toMatchObject({ outcome: 'moved', status: 'delivered' });
      expect(zwEvents[3]?.flags).toContain('duplicate');
    } finally {
      await sim.close();
    }
  });

  it("reads zw's webhook variants (bare signature, flat order) and keeps a signed body it cannot read with 200, flagged", async () => {
    const sim = await startTestSim();
    try {
      const env = simEnv(sim.url);
      const sent = await runCli(home.home, ['send', '+263772000003', '1', '--provider', 'zw', '--key', 'zw-flat', '--yes', '--json'], { env });
      expect(parseJson<{ status: string }>(sent.stdout).status).toBe('unknown');
      await startListening([], env);
      const flat = JSON.stringify({ agent_reference: 'zw-flat', status: 'SUCCESS', provider_ref: 'ZWP9', updated_at: 'z' });
      const bare = sign(flat).replace(/^sha256=/, '');
      expect(await post(`${base}/callbacks/zw`, flat, { 'content-type': 'application/json', 'x-airtime-signature': bare })).toEqual({
        status: 200,
        text: 'OK',
      });
      const unreadable = JSON.stringify({ event: 'wallet.topped_up', amount: '10.00' });
      expect(await post(`${base}/callbacks/zw`, unreadable, { 'content-type': 'application/json', 'x-airtime-signature': sign(unreadable) })).toEqual({
        status: 200,
        text: 'OK',
      });
      expect(await post(`${base}/callbacks/zw`, 'not json at all', { 'content-type': 'text/plain', 'x-airtime-signature': sign('not json at all') })).toEqual({
        status: 200,
        text: 'OK',
      });
      // Unsigned, it is still refused.
      expect((await post(`${base}/callbacks/zw`, unreadable)).status).toBe(401);
      await listener.waitFor(/"httpStatus":401/);
      const zwEvents = events().filter((event) => event.provider === 'zw');
      expect(zwEvents.map((event) => event.httpStatus)).toEqual([200, 200, 200, 401]);
      expect(zwEvents[0]).toMatchObject({ outcome: 'moved', status: 'delivered', reference: 'zw-flat' });
      expect(zwEvents[1]?.flags).toEqual(['unreadable']);
      expect(zwEvents[2]?.flags).toEqual(['unreadable']);
      const status = parseJson<{ status: string }>(
        (await runCli(home.home, ['status', 'zw-flat', '--json'], { env: { ...env, AIRTIME_PROVIDER: 'sandbox' } })).stdout,
      );
      expect(status.status).toBe('delivered');
    } finally {
      await sim.close();
    }
  });

  it('never moves a final transfer backwards on an out-of-order callback', async () => {
    const sim = await startTestSim();
    try {
      const env = simEnv(sim.url);
      await runCli(home.home, ['send', '+254711000100', '10', '--provider', 'lipad', '--key', 'lp-cb', '--yes'], { env });
      let final = '';
      for (let attempt = 0; attempt < 30 && final !== 'delivered'; attempt += 1) {
        final = parseJson<{ status: string }>((await runCli(home.home, ['status', 'lp-cb', '--provider', 'lipad', '--json'], { env })).stdout).status;
      }
      expect(final).toBe('delivered');
      const requestReference = sim.lipad.gateway.byKey([...sim.lipad.gateway.sendCounts().keys()][0] ?? '')?.requestRef;
      await startListening([], env);
      const stale = JSON.stringify({
        phone_number: '254711000100',
        amount: 10,
        service_status: 601,
        external_reference: requestReference,
        provider_reference: null,
        correlation_id: 'X',
        message: 'Processing',
      });
      expect((await post(`${base}/callbacks/lipad`, stale)).status).toBe(200);
      await listener.waitFor(/out-of-order/);
      expect(parseJson<{ status: string }>((await runCli(home.home, ['status', 'lp-cb', '--provider', 'lipad', '--json'], { env })).stdout).status).toBe(
        'delivered',
      );
    } finally {
      await sim.close();
    }
  });

  it('answers AT status callbacks with OK (form or JSON) and flags transfers it does not know', async () => {
    await startListening();
    const form = new URLSearchParams({
      phoneNumber: '+254711000100',
      description: 'Airtime Delivered Successfully',
      status: 'Success',
      requestId: 'ATQid_nope',
      discount: 'KES 0.6000',
      value: 'KES 100.0000',
    }).toString();
    expect(await post(`${base}/callbacks/africastalking`, form, { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({ status: 200, text: 'OK' });
    await listener.waitFor(/unknown-transfer/);
    expect(events()[0]).toMatchObject({ provider: 'africastalking', outcome: 'unknown-transfer', flags: ['unknown-transfer'] });
  });

  it('validates for AT only what the journal shows this tool sent', async () => {
    const sim = await startTestSim({ settleMs: 60_000 });
    try {
      const env = simEnv(sim.url);
      await runCli(home.home, ['send', '+254711000100', '100', '--provider', 'africastalking', '--key', 'at-v', '--yes'], { env });
      await startListening(['--max-amount', '5000 KES'], env);
      const ask = (phone: string, amount: string) =>
        post(
          `${base}/callbacks/africastalking/validation`,
          JSON.stringify({ transactionId: 'ATPid_1', phoneNumber: phone, sourceIpAddress: '1.2.3.4', currencyCode: 'KES', amount }),
        );
      expect(JSON.parse((await ask('+254711000100', '100.00')).text)).toEqual({ status: 'Validated' });
      expect(JSON.parse((await ask('+254711000100', '200.00')).text)).toEqual({ status: 'Failed' });
      expect(JSON.parse((await ask('+254799999999', '100')).text)).toEqual({ status: 'Failed' });
    } finally {
      await sim.close();
    }
  });

  it('rejects oversized bodies (413), malformed ones (400), unknown routes (404), and requires the path token when set', async () => {
    await startListening(['--path-token', 'tok123', '--body-limit', '2048']);
    expect((await post(`${base}/callbacks/lipad/tok123`, 'x'.repeat(5000))).status).toBe(413);
    expect((await post(`${base}/callbacks/lipad/tok123`, '{not json')).status).toBe(400);
    expect((await post(`${base}/callbacks/paypal`, '{}')).status).toBe(404);
    expect((await post(`${base}/callbacks/lipad`, '{}')).status).toBe(404);
    expect((await post(`${base}/callbacks/lipad/wrong`, '{}')).status).toBe(404);
    expect(listener.stderr()).not.toContain('path token off');
  });

  it('forwards raw bodies and headers to --forward-to and prints the response code', async () => {
    const received: { body: string; signature: string | undefined }[] = [];
    const app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-airtime-signature'] as string | undefined });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', () => resolve()));
    try {
      await startListening(['--forward-to', `http://127.0.0.1:${(app.address() as AddressInfo).port}`]);
      const body = JSON.stringify({ event: 'order.updated', order: { agent_reference: 'nobody', status: 'success', updated_at: 'z' } });
      await post(`${base}/callbacks/zw`, body, { 'content-type': 'application/json', 'x-airtime-signature': sign(body) });
      await listener.waitFor(/"forwardStatus":202/);
      expect(received).toEqual([{ body, signature: sign(body) }]);
    } finally {
      app.close();
    }
  });

  it('exits when a batch is complete with --until-complete', async () => {
    const file = join(home.home, 'batch.csv');
    writeFileSync(file, 'phone,amount\n+254711000100,10\n+254711000200,10\n');
    const env = { AIRTIME_SANDBOX_SETTLE_MS: '300' };
    const bulk = parseJson<{ batch: string }>((await runCli(home.home, ['bulk', file, '--yes', '--json'], { env })).stdout);
    const result = await runCli(home.home, ['serve-callbacks', '--until-complete', bulk.batch, '--timeout', '20'], { env });
    expect(result.stderr).toContain(`batch ${bulk.batch} is complete`);
    expect(result.code).toBe(0);
  });
});

describe('send --wait and bulk --wait print final statuses through a temporary listener', () => {
  it('prints the callback line on stderr and the final result on stdout', async () => {
    const home = tempHome();
    try {
      const env = { AIRTIME_SANDBOX_SETTLE_MS: '200' };
      const send = await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--wait'], { env });
      expect(send.code).toBe(0);
      expect(send.stdout).toMatch(/^delivered\t/);
      expect(send.stderr).toMatch(/--> sandbox +\+254711000100 +100\.00 KES {2}delivered/);
      const file = join(home.home, 'two.csv');
      writeFileSync(file, 'phone,amount\n+254711000300,10\n+254711000400,10\n');
      const bulk = await runCli(home.home, ['bulk', file, '--yes', '--wait'], { env });
      expect(bulk.code).toBe(0);
      expect(bulk.stderr.match(/--> sandbox/g)?.length).toBe(2);
    } finally {
      home.cleanup();
    }
  });
});
