import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';

describe('airtime config and profile', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(() => home.cleanup());

  it('stores a secret from stdin, masks it everywhere, and keeps the file owner-only', async () => {
    const secret = 'atsk_0123456789abcdefSECRET';
    await runCli(home.home, ['profile', 'add', 'kenya', '--provider', 'africastalking', '--username', 'myapp', '--country', 'KE', '--use']);
    const set = await runCli(home.home, ['config', 'set', 'api-key', '--stdin'], { input: `${secret}\n` });
    expect(set.code).toBe(0);
    const list = await runCli(home.home, ['config', 'list']);
    const get = await runCli(home.home, ['config', 'get', 'api-key']);
    const json = await runCli(home.home, ['config', 'list', '--json']);
    for (const result of [set, list, get, json]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(get.stdout.trim()).toBe('••••CRET');
    const file = join(home.home, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(secret);
  });

  it('warns when a secret is given as an argument', async () => {
    const result = await runCli(home.home, ['config', 'set', 'api-key', 'abcdefghijkl']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: a secret given as an argument/);
  });

  it('applies flags > environment > profile > defaults', async () => {
    await runCli(home.home, ['profile', 'add', 'zwp', '--provider', 'zw', '--base-url', 'http://127.0.0.1:9']);
    await runCli(home.home, ['profile', 'use', 'zwp']);
    const fromProfile = parseJson<{ effective: { provider: string; baseUrl: string } }>((await runCli(home.home, ['config', 'list', '--json'])).stdout);
    expect(fromProfile.effective).toMatchObject({ provider: 'zw', baseUrl: 'http://127.0.0.1:9' });
    const fromEnv = parseJson<{ effective: { provider: string; baseUrl: string } }>(
      (await runCli(home.home, ['config', 'list', '--json'], { env: { ZW_BASE_URL: 'http://127.0.0.1:10' } })).stdout,
    );
    expect(fromEnv.effective.baseUrl).toBe('http://127.0.0.1:10');
    const fromFlag = parseJson<{ effective: { provider: string } }>(
      (await runCli(home.home, ['config', 'list', '--json', '--provider', 'sandbox'], { env: { AIRTIME_PROVIDER: 'lipad' } })).stdout,
    );
    expect(fromFlag.effective.provider).toBe('sandbox');
  });

  it('lists, switches and removes profiles', async () => {
    await runCli(home.home, ['profile', 'add', 'a', '--provider', 'sandbox']);
    await runCli(home.home, ['profile', 'add', 'b', '--provider', 'lipad', '--use']);
    const list = parseJson<{ active: string; profiles: { name: string }[] }>((await runCli(home.home, ['profile', 'list', '--json'])).stdout);
    expect(list.active).toBe('b');
    expect(list.profiles.map((profile) => profile.name)).toEqual(['default', 'a', 'b']);
    expect((await runCli(home.home, ['profile', 'remove', 'b'])).code).toBe(2);
    expect((await runCli(home.home, ['profile', 'remove', 'b', '--yes'])).code).toBe(0);
    expect((await runCli(home.home, ['profile', 'use', 'b'])).code).toBe(4);
  });

  it('rejects bad settings with a usage error', async () => {
    const result = await runCli(home.home, ['config', 'set', 'provider', 'paypal']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('provider "paypal" is not known');
    const limit = await runCli(home.home, ['config', 'set', 'limits.KES.max', '20000']);
    expect(limit.code).toBe(0);
    const send = await runCli(home.home, ['send', '+254711000100', '15000', '--dry-run']);
    expect(send.code).toBe(0);
  });

  it('names an unknown --profile', async () => {
    const result = await runCli(home.home, ['send', '+254711000100', '100', '--profile', 'ghost', '--yes']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('profile "ghost" does not exist');
  });
});
