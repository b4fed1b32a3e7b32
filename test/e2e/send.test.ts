import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';

interface TransferJson {
  reference: string;
  status: string;
  provider: string;
  phone: string;
  amount: string;
  currency: string;
  providerReference: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

const fast = { AIRTIME_SANDBOX_SETTLE_MS: '150' };

describe('airtime send / status / wallet on the sandbox', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  const kesBalance = async () => {
    const result = await runCli(home.home, ['wallet', '--json'], { env: fast });
    expect(result.code).toBe(0);
    const { balances } = parseJson<{ balances: { provider: string; currency: string; amount: string }[] }>(result.stdout);
    return balances.find((balance) => balance.currency === 'KES')?.amount;
  };

  it('sends with no configuration and shows the transfer as JSON', async () => {
    const result = await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--json'], { env: fast });
    expect(result.code).toBe(0);
    const transfer = parseJson<TransferJson>(result.stdout);
    expect(transfer).toMatchObject({ status: 'submitted', provider: 'sandbox', phone: '+254711000100', amount: '100.00', currency: 'KES', error: null });
    expect(transfer.reference).toMatch(/^tx_/);
    expect(transfer.providerReference).toMatch(/^SBX/);
    expect(result.stderr).toContain(`--key ${transfer.reference}`);
  });

  it('shows delivered after the sandbox settles, from another process', async () => {
    const sent = parseJson<TransferJson>((await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--json'], { env: fast })).stdout);
    let status = '';
    for (let attempt = 0; attempt < 40 && status !== 'delivered'; attempt += 1) {
      const result = await runCli(home.home, ['status', sent.reference, '--json'], { env: fast });
      expect(result.code).toBe(0);
      status = parseJson<TransferJson>(result.stdout).status;
    }
    expect(status).toBe('delivered');
  });

  it('sends the same --key once and debits the wallet once', async () => {
    const before = await kesBalance();
    expect(before).toBe('1000000.00');
    const first = await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--key', 'pay-1', '--wait', '--json'], { env: fast });
    const second = await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--key', 'pay-1', '--json'], { env: fast });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('already sent under key pay-1');
    expect(parseJson<TransferJson>(second.stdout).reference).toBe('pay-1');
    expect(await kesBalance()).toBe('999900.00');
  });

  it('refuses to reuse a key for a different transfer', async () => {
    await runCli(home.home, ['send', '+254711000100', '100', '--yes', '--key', 'pay-2'], { env: fast });
    const result = await runCli(home.home, ['send', '+254711000100', '200', '--yes', '--key', 'pay-2']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/key "pay-2" was already used for a different transfer/);
  });

  it('waits for the final state with --wait', async () => {
    const result = await runCli(home.home, ['send', '+254711000100', '50', '--yes', '--wait', '--json'], { env: fast });
    expect(result.code).toBe(0);
    expect(parseJson<TransferJson>(result.stdout).status).toBe('delivered');
  });

  it('exits 3 with one line for a bad phone', async () => {
    const result = await runCli(home.home, ['send', '12', '100', '--yes']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('"12"');
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it.each([
    [['send', '+254711000100', 'abc', '--yes'], 3, /amount "abc" is not a number/],
    [['send', '+254711000100', '100', '--currency', 'UGX', '--yes'], 3, /does not match/],
    [['send', '2.54712E+11', '100', '--yes'], 3, /scientific notation/],
    [['send', '+254711000100', '100'], 2, /--yes/],
    [['send', '+254711000100'], 2, /missing required argument/],
    [['send', '+254711000100', '100', '--key', 'bad key', '--yes'], 2, /key "bad key"/],
    [['send', '+254711000100', '100', '--provider', 'nope', '--yes'], 2, /provider "nope" is not known/],
    [['status', 'no-such-ref'], 3, /no transfer with reference "no-such-ref"/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await runCli(home.home, args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(code);
  });

  it('follows the magic numbers', async () => {
    const insufficient = await runCli(home.home, ['send', '+254711000001', '100', '--yes', '--json'], { env: fast });
    expect(insufficient.code).toBe(1);
    expect(parseJson<TransferJson>(insufficient.stdout)).toMatchObject({ status: 'failed', error: 'Insufficient Balance' });

    const invalid = await runCli(home.home, ['send', '+254711000002', '100', '--yes', '--json'], { env: fast });
    expect(invalid.code).toBe(1);
    expect(parseJson<TransferJson>(invalid.stdout)).toMatchObject({ status: 'failed', error: 'Invalid Phone Number' });

    const lost = await runCli(home.home, ['send', '+254711000003', '100', '--yes', '--json', '--key', 'lost-1'], { env: fast });
    expect(lost.code).toBe(5);
    expect(parseJson<TransferJson>(lost.stdout).status).toBe('unknown');
    expect(lost.stderr).toContain('airtime status lost-1');

    // Reconciled by asking the provider, never by sending again: the wallet is debited once.
    let status = 'unknown';
    for (let attempt = 0; attempt < 40 && status !== 'delivered'; attempt += 1) {
      status = parseJson<TransferJson>((await runCli(home.home, ['status', 'lost-1', '--json'], { env: fast })).stdout).status;
    }
    expect(status).toBe('delivered');
    expect(await kesBalance()).toBe('999900.00');
  });

  it('checks everything and sends nothing with --dry-run', async () => {
    const result = await runCli(home.home, ['send', '0711000100', '100', '--country', 'KE', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dry run: would send 100.00 KES to \+254711000100/);
    const list = await runCli(home.home, ['status', '--json']);
    expect(parseJson<{ transfers: unknown[] }>(list.stdout).transfers).toHaveLength(0);
  });

  it('lists recent transfers, filtered by state', async () => {
    await runCli(home.home, ['send', '+254711000100', '100', '--yes'], { env: fast });
    await runCli(home.home, ['send', '+254711000001', '100', '--yes'], { env: fast });
    const all = parseJson<{ transfers: TransferJson[] }>((await runCli(home.home, ['status', '--json'])).stdout).transfers;
    expect(all).toHaveLength(2);
    const failed = parseJson<{ transfers: TransferJson[] }>((await runCli(home.home, ['status', '--state', 'failed', '--json'])).stdout).transfers;
    expect(failed.map((transfer) => transfer.phone)).toEqual(['+254711000001']);
    const plain = await runCli(home.home, ['status']);
    expect(plain.stdout.split('\n')[0]).toBe('reference\tstatus\tphone\tamount\tprovider\tcreated');
  });

  it('answers --version and --help quickly and with exit 0', async () => {
    const version = await runCli(home.home, ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(home.home, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EXAMPLES');
  });

  it('lists providers and their capabilities', async () => {
    const result = await runCli(home.home, ['providers', '--json']);
    const { providers } = parseJson<{ providers: { name: string; capabilities: { maxRecipientsPerRequest: number } }[] }>(result.stdout);
    expect(providers.map((provider) => provider.name)).toEqual(['sandbox', 'africastalking', 'lipad', 'zw']);
    expect(providers.find((provider) => provider.name === 'lipad')?.capabilities.maxRecipientsPerRequest).toBe(1000);
  });
});
