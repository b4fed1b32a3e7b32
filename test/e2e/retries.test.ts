import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { listen, type Listening } from '../helpers/callbacks.js';
import { freePort } from '../helpers/process.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

let home: ReturnType<typeof tempHome>;
let sim: RunningSimServer | undefined;
let listener: Listening | undefined;

beforeEach(() => {
  home = tempHome();
});
afterEach(async () => {
  await listener?.process.stop();
  await sim?.close();
  listener = sim = undefined;
  home.cleanup();
});

const sendForms = () =>
  (sim?.recentRequests ?? []).filter((request) => request.path === '/version1/airtime/send').map((request) => new URLSearchParams(request.body));

describe("Africa's Talking delivery retries (maxNumRetry)", () => {
  it('sends maxNumRetry from --retry-hours, or from the profile, and journals it with the transfer', async () => {
    sim = await startTestSim();
    const env = simEnv(sim.url);
    const sent = await runCli(
      home.home,
      ['send', '+254711000100', '100', '--provider', 'africastalking', '--retry-hours', '4', '--key', 'r-flag', '--yes', '--json'],
      { env },
    );
    expect(sent.code).toBe(0);
    expect(parseJson<{ retryHours: number }>(sent.stdout).retryHours).toBe(4);
    expect(sendForms().at(-1)?.get('maxNumRetry')).toBe('4');
    // Without it, nothing is sent for it (as the SDKs do).
    expect((await runCli(home.home, ['send', '+254711000200', '100', '--provider', 'africastalking', '--yes'], { env })).code).toBe(0);
    expect(sendForms().at(-1)?.has('maxNumRetry')).toBe(false);

    expect((await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'africastalking', '--retry-hours', '6'], { env })).code).toBe(0);
    expect((await runCli(home.home, ['send', '+254711000300', '100', '--profile', 'kenya', '--yes'], { env })).code).toBe(0);
    expect(sendForms().at(-1)?.get('maxNumRetry')).toBe('6');

    const file = writePayouts(home.home, 3).path;
    const bulk = await runCli(home.home, ['bulk', file, '--provider', 'africastalking', '--retry-hours', '2', '--yes', '--json'], { env });
    expect(bulk.code).toBe(0);
    expect(sendForms().at(-1)?.get('maxNumRetry')).toBe('2');
    const row = parseJson<{ transfers: { reference: string; retryHours?: number }[] }>(bulk.stdout).transfers[0];
    expect(row?.retryHours).toBe(2);
  });

  it('refuses retry hours where the provider takes none, and out of range', async () => {
    const zw = await runCli(home.home, ['send', '+263772279099', '1', '--provider', 'zw', '--retry-hours', '4', '--yes']);
    expect(zw.code).toBe(2);
    expect(zw.stderr).toMatch(/zw takes no delivery retries: --retry-hours is for africastalking/);
    const range = await runCli(home.home, ['send', '+254711000100', '100', '--provider', 'africastalking', '--retry-hours', '0', '--yes']);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/--retry-hours "0" is not a whole number of hours from 1 to 72/);
    const setting = await runCli(home.home, ['config', 'set', 'retry-hours', '100']);
    expect(setting.code).toBe(2);
  });

  it('a Failed followed by a Success for the same requestId: the listener moves the transfer on to delivered, flagged', async () => {
    // The listener's port is chosen first: the simulator posts its callbacks there, and the listener speaks for the simulator's account.
    const port = await freePort();
    sim = await startTestSim({ callbackUrl: `http://127.0.0.1:${port}`, settleMs: 100 });
    const env = simEnv(sim.url);
    listener = await listen(home.home, ['--port', String(port)], env);

    // Magic 0005 with retries: AT's first delivery fails, its retry delivers — a Failed callback, then a Success.
    const sent = await runCli(
      home.home,
      ['send', '+254711000005', '100', '--provider', 'africastalking', '--retry-hours', '2', '--key', 'r-late', '--yes', '--json'],
      {
        env,
      },
    );
    expect(sent.code).toBe(0);
    expect(parseJson<{ status: string }>(sent.stdout).status).toBe('submitted');
    const [failed, delivered] = await listener.until((event) => event.provider === 'africastalking' && event.reference === 'r-late', 2);
    expect(failed).toMatchObject({ status: 'failed', outcome: 'moved' });
    expect(failed?.reason).toMatch(/sent with 2h of Africa's Talking retries: a Success until .* is still taken/);
    expect(delivered).toMatchObject({ status: 'delivered', outcome: 'moved' });
    expect(delivered?.flags).toContain('success-after-failed');
    const status = parseJson<{ status: string; error: string | null }>((await runCli(home.home, ['status', 'r-late', '--json'], { env })).stdout);
    expect(status).toMatchObject({ status: 'delivered', error: null });
    const flagged = parseJson<{ callbacks: { reference: string; flags: string[] }[] }>(
      (await runCli(home.home, ['callbacks', 'list', '--flag', 'success-after-failed', '--json'], { env })).stdout,
    );
    expect(flagged.callbacks.map((callback) => callback.reference)).toEqual(['r-late']);

    // Without retries the same number is an everyday number: one Success, no Failed (test files use such numbers).
    const plain = await runCli(home.home, ['send', '+254711000005', '50', '--provider', 'africastalking', '--key', 'r-plain', '--yes'], { env });
    expect(plain.code).toBe(0);
    await listener.until((event) => event.reference === 'r-plain' && event.status === 'delivered');
    expect(
      listener
        .events()
        .filter((event) => event.reference === 'r-plain')
        .map((event) => event.status),
    ).toEqual(['delivered']);
    // (Without retries a Success after a Failed is refused as out of order: test/unit/products.test.ts.)
  });
});
