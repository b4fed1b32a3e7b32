import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

interface TransferJson {
  reference: string;
  status: string;
  provider: string;
  providerReference: string | null;
  error: string | null;
}

describe('send, status and wallet through each real adapter over HTTP', () => {
  let sim: RunningSimServer;
  let home: ReturnType<typeof tempHome>;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startTestSim();
    env = simEnv(sim.url);
  });
  afterAll(async () => sim.close());
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  const finalStatus = async (reference: string, provider: string) => {
    let transfer = { status: '' } as TransferJson;
    for (let attempt = 0; attempt < 30 && transfer.status !== 'delivered'; attempt += 1) {
      const result = await runCli(home.home, ['status', reference, '--provider', provider, '--json'], { env });
      expect(result.code).toBe(0);
      transfer = parseJson<TransferJson>(result.stdout);
    }
    return transfer;
  };

  it.each([
    ['africastalking', '+254711000100', '100', 'KES'],
    ['lipad', '+254711000100', '100', 'KES'],
    ['zw', '+263772279099', '5', 'USD'],
  ])('%s: send, then status reaches delivered', async (provider, phone, amount) => {
    const key = `e2e-${provider}`;
    const sent = await runCli(home.home, ['send', phone, amount, '--provider', provider, '--key', key, '--yes', '--json'], { env });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(parseJson<TransferJson>(sent.stdout)).toMatchObject({ reference: key, provider });
    expect((await finalStatus(key, provider)).status).toBe('delivered');
  });

  it('reads balances where the provider has them', async () => {
    const at = await runCli(home.home, ['wallet', '--provider', 'africastalking', '--json'], { env });
    expect(parseJson<{ balances: { provider: string; currency: string }[] }>(at.stdout).balances[0]).toMatchObject({
      provider: 'africastalking',
      currency: 'KES',
    });
    const zw = await runCli(home.home, ['wallet', '--provider', 'zw', '--json'], { env });
    expect(parseJson<{ balances: { currency: string }[] }>(zw.stdout).balances.map((balance) => balance.currency)).toEqual(['USD', 'ZWG']);
    const lipad = await runCli(home.home, ['wallet', '--provider', 'lipad'], { env });
    // A capability the provider lacks is a usage error (2), not a failure.
    expect(lipad.code).toBe(2);
    expect(lipad.stderr).toContain('lipad publishes no balance');
  });

  it('lists the zw ledger', async () => {
    await runCli(home.home, ['send', '+263772279099', '2.50', '--provider', 'zw', '--key', 'ledger-1', '--yes'], { env });
    const ledger = await runCli(home.home, ['wallet', '--provider', 'zw', '--ledger', '--json'], { env });
    const { entries } = parseJson<{ entries: { reference: string; amount: string }[] }>(ledger.stdout);
    expect(entries.find((entry) => entry.reference === 'ledger-1')?.amount).toBe('-2.50');
  });

  it.each([
    ['africastalking', { AT_API_KEY: 'wrong-key' }, 'AT_API_KEY'],
    ['lipad', { LIPAD_CONSUMER_SECRET: 'wrong-secret' }, 'LIPAD_CONSUMER_SECRET'],
    ['zw', { ZW_API_KEY: 'atk_wrong' }, 'ZW_API_KEY'],
  ])('%s: wrong credentials exit 4 and name the credential, and the transfer can be retried', async (provider, wrong, name) => {
    const phone = provider === 'zw' ? '+263772279099' : '+254711000100';
    const amount = provider === 'zw' ? '1' : '10';
    const key = `auth-${provider}`;
    const result = await runCli(home.home, ['send', phone, amount, '--provider', provider, '--key', key, '--yes'], { env: { ...env, ...wrong } });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(name);
    expect(result.stderr).not.toContain(Object.values(wrong)[0]);
    // Nothing left (refused at the balance check or at the send): the same key goes out once the credentials are fixed.
    const retry = await runCli(home.home, ['send', phone, amount, '--provider', provider, '--key', key, '--yes', '--json'], { env });
    expect(retry.code).toBe(0);
    expect(parseJson<TransferJson>(retry.stdout).reference).toBe(key);
  });

  it('asks for missing credentials by name (exit 4)', async () => {
    const result = await runCli(home.home, ['wallet', '--provider', 'africastalking'], { env: { AT_BASE_URL: sim.url } });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/africastalking needs its username/);
  });

  it('works from a profile pointing at the simulator', async () => {
    await runCli(home.home, ['profile', 'add', 'zwsim', '--provider', 'zw', '--base-url', sim.url, '--use']);
    await runCli(home.home, ['config', 'set', 'api-key', '--stdin'], { input: env.ZW_API_KEY });
    const result = await runCli(home.home, ['send', '+263772279099', '1', '--yes', '--json']);
    expect(result.code).toBe(0);
    expect(parseJson<TransferJson>(result.stdout)).toMatchObject({ provider: 'zw', status: 'delivered' });
  });
});

describe('airtime sandbox serve', () => {
  it('prints its base URL on stdout when ready and serves the simulators', async () => {
    const { spawn } = await import('node:child_process');
    const { binPath } = await import('../helpers/cli.js');
    const home = tempHome();
    const child = spawn(process.execPath, [binPath, 'sandbox', 'serve', '--port', '0'], { env: { ...process.env, AIRTIME_HOME: home.home } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no URL within 10 s')), 10_000);
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          const match = /http:\/\/127\.0\.0\.1:\d+/.exec(chunk);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
      });
      const result = await runCli(home.home, ['send', '+254711000100', '20', '--provider', 'africastalking', '--yes', '--json'], {
        env: { AT_BASE_URL: url, AT_USERNAME: 'sandbox', AT_API_KEY: 'at-sim-key' },
      });
      expect(result.code).toBe(0);
      expect(parseJson<TransferJson>(result.stdout).providerReference).toMatch(/^ATQid_/);
    } finally {
      child.kill('SIGTERM');
      home.cleanup();
    }
  });

  it('--variants and --visible-after: says so, and the CLI still reads every answer it meets', async () => {
    const { startCli } = await import('../helpers/process.js');
    const home = tempHome();
    // The simulators accept the credentials the environment names: the test's own.
    const server = startCli(
      home.home,
      ['sandbox', 'serve', '--port', '0', '--json', '--variants', '--seed', '9', '--visible-after', '600000'],
      simEnv('http://unused'),
    );
    try {
      await server.waitFor(/accepted requests are visible to status queries only after 600000 ms/);
      const started = parseJson<{ url: string; faults: { variants: boolean; visibleAfterMs: number } }>(server.stdout().trim());
      expect(started.faults).toMatchObject({ variants: true, visibleAfterMs: 600000 });
      expect(server.stderr()).toMatch(/variant shapes too \(seed 9/);
      const env = simEnv(started.url);
      for (let index = 0; index < 3; index += 1) {
        const zw = await runCli(
          home.home,
          ['send', '+263772279099', '1', '--provider', 'zw', '--key', `variant-zw-${index}`, '--allow-repeats', '--yes', '--json'],
          { env },
        );
        expect(zw.code).toBe(0);
        expect(parseJson<TransferJson>(zw.stdout).status).toBe('delivered');
        const lipad = await runCli(
          home.home,
          ['send', `+25471100800${index + 4}`, '10.50', '--provider', 'lipad', '--key', `variant-lp-${index}`, '--allow-repeats', '--yes', '--json'],
          { env },
        );
        expect(lipad.code).toBe(0);
        expect(parseJson<TransferJson>(lipad.stdout).status).toBe('submitted');
        const at = await runCli(
          home.home,
          ['send', `+25471100900${index + 4}`, '20', '--provider', 'africastalking', '--key', `variant-at-${index}`, '--allow-repeats', '--yes', '--json'],
          { env },
        );
        expect(at.code).toBe(0);
        expect(parseJson<TransferJson>(at.stdout).status).toBe('submitted');
      }
    } finally {
      await server.stop();
      home.cleanup();
    }
  });
});
