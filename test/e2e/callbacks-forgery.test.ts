import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen, post, signSandbox, type Listening } from '../helpers/callbacks.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

interface Listed {
  transfers: { reference: string; status: string; provider: string }[];
}

describe('callbacks that cannot be forged into payments', () => {
  let home: ReturnType<typeof tempHome>;
  let listener: Listening | undefined;
  let sim: Awaited<ReturnType<typeof startTestSim>> | undefined;

  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await listener?.process.stop();
    await sim?.close();
    listener = undefined;
    sim = undefined;
    home.cleanup();
  });

  /** The journal as it stands: a listing asks no provider. */
  const statuses = async (env: Record<string, string> = {}) =>
    new Map(
      parseJson<Listed>((await runCli(home.home, ['status', '--json', '--limit', '100'], { env })).stdout).transfers.map((transfer) => [
        transfer.reference,
        transfer.status,
      ]),
    );

  it('a sandbox-route POST cannot touch a Lipad or zw transfer, nor put any transfer back to queued', async () => {
    sim = await startTestSim({ settleMs: 50 });
    const env = simEnv(sim.url);
    // Real money, settled: a charged Lipad row and a delivered, HMAC-protected zw order.
    for (const [provider, phone, amount, key] of [
      ['lipad', '+254711000100', '10', 'lp-paid'],
      ['zw', '+263772000100', '1', 'zw-paid'],
    ] as const) {
      const sent = await runCli(home.home, ['send', phone, amount, '--provider', provider, '--key', key, '--yes', '--wait', '--timeout', '15', '--json'], {
        env,
      });
      expect(parseJson<{ status: string }>(sent.stdout).status).toBe('delivered');
    }
    // Sandbox transfers still open: one submitted (settles in ten minutes), one whose answer was lost.
    const slow = { ...env, AIRTIME_SANDBOX_SETTLE_MS: '600000' };
    expect((await runCli(home.home, ['send', '+254711000100', '5', '--key', 'sb-open', '--yes'], { env: slow })).code).toBe(0);
    expect((await runCli(home.home, ['send', '+254711000003', '5', '--key', 'sb-unknown', '--yes'], { env: slow })).code).toBe(5);

    listener = await listen(home.home, [], env);
    const sandbox = `${listener.base}/callbacks/sandbox`;
    // Unsigned, as anyone on the network would post them: refused before anything is read.
    for (const body of [
      { reference: 'lp-paid', status: 'queued' },
      { reference: 'zw-paid', status: 'reversed' },
      { reference: 'sb-open', status: 'queued' },
    ]) {
      expect((await post(sandbox, JSON.stringify(body))).status).toBe(401);
    }
    // Signed with this data folder's key — the strongest sandbox callback there is — it still speaks for
    // sandbox transfers only, and only forward.
    for (const body of [
      { reference: 'lp-paid', status: 'queued' },
      { reference: 'zw-paid', status: 'reversed' },
      { reference: 'sb-open', status: 'queued' },
      { reference: 'sb-unknown', status: 'queued' },
      { reference: 'sb-unknown', status: 'sending' },
    ]) {
      const text = JSON.stringify(body);
      expect((await post(sandbox, text, signSandbox(home.home, text))).status).toBe(200);
    }
    const seen = await listener.until((event) => event.httpStatus === 200, 5);
    expect(seen.slice(0, 2).map((event) => [event.reference, event.outcome])).toEqual([
      [null, 'unknown-transfer'],
      [null, 'unknown-transfer'],
    ]);
    expect(seen.slice(2).map((event) => [event.reference, event.outcome])).toEqual([
      ['sb-open', 'out-of-order'],
      ['sb-unknown', 'out-of-order'],
      ['sb-unknown', 'out-of-order'],
    ]);
    expect(listener.events().filter((event) => event.httpStatus === 401)).toHaveLength(3);
    expect(listener.events().find((event) => event.httpStatus === 401)?.reason).toMatch(/not signed by the embedded sandbox/);

    const after = await statuses(env);
    expect(Object.fromEntries(after)).toEqual({ 'lp-paid': 'delivered', 'zw-paid': 'delivered', 'sb-open': 'submitted', 'sb-unknown': 'unknown' });
    // A resume of anything would find nothing queued: nobody is paid twice.
    expect([...sim.lipad.gateway.sendCounts().values()]).toEqual([1]);
  });

  it('flags a callback whose amount or phone differs, applies nothing, and lets the genuine one through after it', async () => {
    sim = await startTestSim({ settleMs: 600_000 });
    const env = simEnv(sim.url);
    expect((await runCli(home.home, ['send', '+254711000100', '10', '--provider', 'lipad', '--key', 'lp-m', '--yes'], { env })).code).toBe(0);
    listener = await listen(home.home, [], env);
    const trigger = (...extra: string[]) =>
      runCli(home.home, ['callbacks', 'trigger', 'lipad', 'delivered', '--to', listener?.base ?? '', '--reference', 'lp-m', ...extra], { env });

    expect((await trigger('--amount', '9999')).code).toBe(0);
    const [mismatch] = await listener.until((event) => event.outcome === 'mismatch');
    // The line shows what the callback claims, and why it was not applied.
    expect(mismatch).toMatchObject({ provider: 'lipad', amount: '9999.00', flags: ['mismatch'], status: 'delivered', httpStatus: 200 });
    expect(mismatch?.reason).toContain('the journal has 10.00 KES');
    expect((await trigger('--phone', '+254799000999')).code).toBe(0);
    await listener.until((event) => event.outcome === 'mismatch', 2);
    expect((await statuses(env)).get('lp-m')).toBe('submitted');

    // The genuine callback is not taken for a duplicate of the forged one.
    expect((await trigger()).code).toBe(0);
    const [moved] = await listener.until((event) => event.outcome === 'moved');
    expect(moved).toMatchObject({ reference: 'lp-m', status: 'delivered', amount: '10.00', flags: [] });
    expect((await statuses(env)).get('lp-m')).toBe('delivered');

    const listed = parseJson<{ callbacks: { amount: string; phone: string; flags: string[] }[] }>(
      (await runCli(home.home, ['callbacks', 'list', '--flag', 'mismatch', '--json'])).stdout,
    );
    expect(listed.callbacks.map((callback) => [callback.amount, callback.phone])).toEqual([
      ['9999.00', '+254711000100'],
      ['10.00', '+254799000999'],
    ]);
  });

  it("matches Africa's Talking by phone and amount only for a single unknown transfer, and flags it", async () => {
    sim = await startTestSim({ settleMs: 600_000 });
    const env = simEnv(sim.url);
    const send = (phone: string, key: string) =>
      runCli(home.home, ['send', phone, '10', '--provider', 'africastalking', '--key', key, '--yes', '--allow-repeats', '--json'], { env });
    // Magic 0003: AT took them but the answer (and its requestId) was lost.
    expect(parseJson<{ status: string }>((await send('+254711000003', 'at-lost')).stdout).status).toBe('unknown');
    expect(parseJson<{ status: string }>((await send('+254711010003', 'at-twin-1')).stdout).status).toBe('unknown');
    expect(parseJson<{ status: string }>((await send('+254711010003', 'at-twin-2')).stdout).status).toBe('unknown');
    expect(parseJson<{ status: string }>((await send('+254711020100', 'at-sent')).stdout).status).toBe('submitted');
    listener = await listen(home.home, [], env);
    const forged = (phone: string, status = 'Failed') =>
      post(
        `${listener?.base ?? ''}/callbacks/africastalking`,
        new URLSearchParams({ phoneNumber: phone, status, requestId: `ATQid_forged${phone}`, value: 'KES 10.0000', description: 'x' }).toString(),
        { 'content-type': 'application/x-www-form-urlencoded' },
      );

    // One unknown transfer with that phone and amount: resolved, and flagged as matched that way.
    expect(
      (await runCli(home.home, ['callbacks', 'trigger', 'africastalking', 'delivered', '--to', listener.base, '--reference', 'at-lost'], { env })).code,
    ).toBe(0);
    const [matched] = await listener.until((event) => event.reference === 'at-lost');
    expect(matched).toMatchObject({ outcome: 'moved', status: 'delivered', flags: ['matched-by-phone-amount'] });
    // Two of them: a callback cannot say which; it is kept, flagged, and moves neither.
    expect((await forged('+254711010003')).status).toBe(200);
    const [ambiguous] = await listener.until((event) => event.flags.includes('ambiguous'));
    expect(ambiguous).toMatchObject({ outcome: 'unknown-transfer', reference: null });
    // A transfer that has a requestId is matched by it only: phone and amount cannot fail a paid transfer.
    expect((await forged('+254711020100')).status).toBe(200);
    await listener.until((event) => event.outcome === 'unknown-transfer', 2);

    expect(Object.fromEntries(await statuses(env))).toMatchObject({
      'at-lost': 'delivered',
      'at-twin-1': 'unknown',
      'at-twin-2': 'unknown',
      'at-sent': 'submitted',
    });
  });

  it("an Africa's Talking Failed that nothing authenticates is flagged unverified, and paying that recipient again needs --allow-repeats", async () => {
    sim = await startTestSim({ settleMs: 600_000 });
    const env = simEnv(sim.url);
    const send = (key: string, extra: string[] = []) =>
      runCli(home.home, ['send', '+254711444446', '33', '--provider', 'africastalking', '--key', key, '--yes', '--json', ...extra], { env });
    expect(parseJson<{ status: string }>((await send('f1')).stdout).status).toBe('submitted');
    // No path token: anyone who reaches the listener could post this.
    listener = await listen(home.home, [], env);
    expect((await runCli(home.home, ['callbacks', 'trigger', 'africastalking', 'failed', '--to', listener.base, '--reference', 'f1'], { env })).code).toBe(0);
    const [failed] = await listener.until((event) => event.reference === 'f1');
    expect(failed).toMatchObject({ outcome: 'moved', status: 'failed' });
    expect(failed?.flags).toContain('unverified');
    // The failure is not proof that nobody was paid: a new key for the same recipient meets the repeat guard.
    const again = await send('f1b');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/repeats a payment/);
    expect((await send('f1b', ['--allow-repeats'])).code).toBe(0);
    await listener.process.stop();

    // Behind a path token the route is authenticated: its Failed is taken as the provider's word.
    listener = await listen(home.home, ['--path-token', 's3cr3t'], env);
    expect(parseJson<{ status: string }>((await send('f2', ['--allow-repeats'])).stdout).status).toBe('submitted');
    expect(
      (
        await runCli(home.home, ['callbacks', 'trigger', 'africastalking', 'failed', '--to', listener.base, '--reference', 'f2', '--path-token', 's3cr3t'], {
          env,
        })
      ).code,
    ).toBe(0);
    const [trusted] = await listener.until((event) => event.reference === 'f2');
    expect(trusted).toMatchObject({ outcome: 'moved', status: 'failed' });
    expect(trusted?.flags).not.toContain('unverified');
  });

  it('bounds what unsigned callbacks for unknown transfers may store, and says what it turned away', async () => {
    listener = await listen(home.home);
    const padding = 'x'.repeat(60_000);
    const answers: number[] = [];
    for (let index = 0; index < 30; index += 1) {
      const body = new URLSearchParams({ phoneNumber: '+254711000100', status: 'Success', requestId: `ATQid_${index}`, value: 'KES 10', description: padding });
      answers.push((await post(`${listener.base}/callbacks/africastalking`, body.toString(), { 'content-type': 'application/x-www-form-urlencoded' })).status);
    }
    // About 1 MiB a minute is stored; the rest is answered 429 (retry later) and counted.
    const stored = answers.filter((status) => status === 200).length;
    expect(stored).toBeGreaterThan(10);
    expect(stored).toBeLessThanOrEqual(18);
    expect(answers.slice(stored).every((status) => status === 429)).toBe(true);
    const dropped = await listener.until((event) => event.outcome === 'dropped', 30 - stored);
    expect(dropped[0]?.reason).toMatch(/counted, not stored/);
    await listener.process.stop();
    listener = undefined;
    const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
    expect(size(join(home.home, 'journal.db')) + size(join(home.home, 'journal.db-wal'))).toBeLessThan(3 * 1024 * 1024);
    const listed = parseJson<{ callbacks: unknown[] }>((await runCli(home.home, ['callbacks', 'list', '--flag', 'unknown-transfer', '--json'])).stdout);
    expect(listed.callbacks).toHaveLength(stored);
  });
});
