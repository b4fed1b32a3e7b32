import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli.js';
import { startCli } from '../helpers/process.js';
import { simCreds, simEnv, startTestSim } from '../helpers/sim.js';

/** Distinctive secrets: if any of them shows up anywhere but the config file, the test names where. */
const secrets = {
  atKey: 'atsk_SECRET_at_9f8e7d6c5b4a',
  lipadSecret: 'lpsk_SECRET_lipad_1a2b3c4d',
  zwKey: 'atk_SECRET_zw_5e6f7a8b9c',
  webhook: 'whsec_SECRET_zw_0d1e2f3a',
  campaign: 'cpsec_SECRET_zw_4b5c6d7e',
};

function everyFile(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? everyFile(path) : [path];
  });
}

describe('secrets stay secret', () => {
  it('never reach stdout, stderr, the journal, caches or results files; config and journal are owner-only', async () => {
    const sim = await startTestSim({
      credentials: {
        at: { username: 'sandbox', apiKey: secrets.atKey },
        lipad: { consumerKey: 'lipad-key', consumerSecret: secrets.lipadSecret },
        zw: { apiKey: secrets.zwKey, webhookSecret: secrets.webhook, campaignSecret: secrets.campaign },
      },
    });
    const home = tempHome();
    const outputs: string[] = [];
    const run = async (args: string[], input?: string) => {
      const result = await runCli(home.home, args, input === undefined ? {} : { input });
      outputs.push(`$ ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
      return result;
    };
    try {
      for (const [profile, provider, settings] of [
        [
          'at',
          'africastalking',
          [
            ['username', 'sandbox'],
            ['api-key', secrets.atKey],
          ],
        ],
        [
          'lipad',
          'lipad',
          [
            ['consumer-key', 'lipad-key'],
            ['consumer-secret', secrets.lipadSecret],
          ],
        ],
        [
          'zw',
          'zw',
          [
            ['api-key', secrets.zwKey],
            ['webhook-secret', secrets.webhook],
            ['campaign-secret', secrets.campaign],
          ],
        ],
      ] as const) {
        await run(['profile', 'add', profile, '--provider', provider, '--base-url', sim.url]);
        for (const [key, value] of settings) await run(['config', 'set', key, '--stdin', '--profile', profile], value);
        await run(['config', 'list', '--profile', profile]);
        await run(['config', 'list', '--profile', profile, '--json']);
      }
      await run(['send', '+254711000100', '10', '--profile', 'at', '--yes', '--json']);
      // --allow-repeats: the same phone and amount were just paid through AT; without it Lipad is never reached.
      expect((await run(['send', '+254711000100', '10', '--profile', 'lipad', '--yes', '--json', '--wait', '--timeout', '5', '--allow-repeats'])).code).toBe(0);
      await run(['send', '+263772279099', '1', '--profile', 'zw', '--yes', '--json']);
      await run(['bulk', 'samples/africastalking.csv', '--profile', 'at', '--yes', '--out', join(home.home, 'results.csv')]);
      await run(['wallet', '--profile', 'zw', '--ledger', '--json']);
      // A signed payout: the signature is made with the secret, the secret itself goes nowhere.
      expect((await run(['campaign', 'payout', 'cmp_survey', '+263772279098', '--amount', '1', '--profile', 'zw', '--yes', '--json'])).code).toBe(0);
      await run(['send', '37132109846', '20', '--product', 'zesa', '--profile', 'zw', '--yes', '--json']);
      await run(['wallet', 'topup', '10', 'USD', '--profile', 'zw', '--json']);
      await run(['status', '--json', '--limit', '50']);
      // Wrong credentials: the error names the credential, never its value.
      const wrong = await runCli(home.home, ['wallet', '--profile', 'at'], { env: { AT_API_KEY: 'atsk_WRONG_but_secret_77' } });
      outputs.push(wrong.stdout + wrong.stderr);
      expect(wrong.stderr).not.toContain('atsk_WRONG_but_secret_77');

      const simulators = startCli(home.home, ['sandbox', 'serve'], {
        AT_API_KEY: secrets.atKey,
        LIPAD_CONSUMER_SECRET: secrets.lipadSecret,
        ZW_API_KEY: secrets.zwKey,
        ZW_WEBHOOK_SECRET: secrets.webhook,
        ZW_CAMPAIGN_SECRET: secrets.campaign,
      });
      await simulators.waitFor(/export ZW_BASE_URL/);
      await simulators.stop();
      outputs.push(simulators.stdout() + simulators.stderr());

      const listener = startCli(home.home, ['serve-callbacks', '--profile', 'zw']);
      await listener.waitFor(/ready/);
      await listener.stop();
      outputs.push(listener.stdout() + listener.stderr());

      const text = outputs.join('\n');
      for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
      for (const file of everyFile(home.home)) {
        if (file.endsWith('config.json')) continue;
        const bytes = readFileSync(file).toString('latin1');
        for (const secret of Object.values(secrets)) expect(bytes.includes(secret), `${secret} found in ${file}`).toBe(false);
      }
      expect(statSync(join(home.home, 'config.json')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home.home, 'journal.db')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home.home, 'results.csv')).mode & 0o777).toBe(0o600);
      // The token and catalogue caches: replaced whole, created exclusively, owner-only.
      const caches = everyFile(home.home).filter((file) => /(lipad-token-.*|zw-products)\.json$/.test(file));
      expect(caches.some((file) => file.includes('lipad-token-'))).toBe(true);
      for (const file of caches) expect(statSync(file).mode & 0o777, file).toBe(0o600);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });
});

describe('secrets never go out in clear', () => {
  const noise = /this is a bug|\n\s+at /;

  it.each([
    ['africastalking', 'AT_BASE_URL'],
    ['lipad', 'LIPAD_BASE_URL'],
    ['zw', 'ZW_BASE_URL'],
  ])('%s: a plain http:// %s to another host is refused before any request (exit 4, one line)', async (provider, variable) => {
    const home = tempHome();
    try {
      // The host is never contacted: the refusal comes first (no network is needed to prove it).
      const env = { ...simEnv('https://unused.example'), [variable]: 'http://provider.example.com' };
      for (const args of [
        ['send', provider === 'zw' ? '+263772279099' : '+254711000100', '10', '--provider', provider, '--yes'],
        ['wallet', '--provider', provider],
      ]) {
        const result = await runCli(home.home, args, { env });
        expect(result.code, args.join(' ')).toBe(4);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toContain(`the base URL http://provider.example.com (${variable}) is plain http://`);
        // --provider overrides the default profile's (sandbox): its allowance would not apply, so it says where one would.
        expect(result.stderr).toContain(`allow it on a profile for ${provider} ('airtime profile add NAME --provider ${provider}'`);
        expect(result.stderr).not.toMatch(noise);
      }
      expect(transfersOf(await runCli(home.home, ['status', '--json']))).toEqual([]);
    } finally {
      home.cleanup();
    }
  });

  it("a profile's http:// base-url to another host: warned when set, refused when used; loopback (localhost) works", async () => {
    const sim = await startTestSim();
    const home = tempHome();
    try {
      await runCli(home.home, ['profile', 'add', 'at', '--provider', 'africastalking']);
      await runCli(home.home, ['config', 'set', 'username', 'sandbox', '--profile', 'at']);
      await runCli(home.home, ['config', 'set', 'api-key', '--stdin', '--profile', 'at'], { input: simCreds.at.apiKey });
      const set = await runCli(home.home, ['config', 'set', 'base-url', 'http://10.20.30.40:8080', '--profile', 'at']);
      expect(set.code).toBe(0);
      expect(set.stderr).toMatch(/warning: http:\/\/10\.20\.30\.40:8080 is plain http:\/\/ to another machine: commands will refuse it/);
      const sent = await runCli(home.home, ['send', '+254711000100', '10', '--profile', 'at', '--yes']);
      expect(sent.code).toBe(4);
      expect(sent.stderr).toContain("(profile at's base-url) is plain http:// to 10.20.30.40");
      expect(sent.stderr).toContain("'airtime config set allow-insecure-http true --profile at'");
      expect((await runCli(home.home, ['config', 'set', 'allow-insecure-http', 'maybe', '--profile', 'at'])).code).toBe(2);

      await runCli(home.home, ['config', 'set', 'base-url', sim.url.replace('127.0.0.1', 'localhost'), '--profile', 'at']);
      const local = await runCli(home.home, ['send', '+254711000100', '10', '--profile', 'at', '--yes']);
      expect(local.code, local.stderr).toBe(0);
      expect(sim.at.gateway.sendCounts().size).toBe(1);
    } finally {
      await sim.close();
      home.cleanup();
    }
  });
});

function transfersOf(result: { stdout: string }): unknown[] {
  return (JSON.parse(result.stdout) as { transfers: unknown[] }).transfers;
}
