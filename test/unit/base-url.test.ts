import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackUrl, requireSecureBaseUrl } from '../../src/config/base-url.js';
import { airtimePaths } from '../../src/config/paths.js';
import { resolveSettings } from '../../src/config/settings.js';

describe('loopback: this machine, where plain http:// carries nothing across a network', () => {
  it.each([
    'http://127.0.0.1:4000',
    'http://127.8.9.10/',
    'http://2130706433/',
    'http://localhost:3000',
    'http://LOCALHOST./x',
    'http://[::1]:80/',
    'http://[::ffff:127.0.0.1]/',
  ])('%s is loopback', (url) => expect(isLoopbackUrl(new URL(url))).toBe(true));
  it.each([
    'http://10.0.0.1',
    'http://128.0.0.1',
    'http://[::2]/',
    'http://localhost.example.com',
    'http://127.0.0.1.example.com',
    'http://api.africastalking.com',
  ])('%s is not', (url) => expect(isLoopbackUrl(new URL(url))).toBe(false));
});

describe('a plain http:// base URL to another host: refused unless the profile allows it', () => {
  function settingsWith(profile: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
    const home = mkdtempSync(join(tmpdir(), 'airtime-base-url-'));
    try {
      writeFileSync(join(home, 'config.json'), JSON.stringify({ profiles: { default: { provider: 'zw', apiKey: 'k', ...profile } } }), { mode: 0o600 });
      return resolveSettings(airtimePaths({ AIRTIME_HOME: home }), {}, env);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  it('refused, naming where the URL came from and the setting that allows it', () => {
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'http://zw.example.com' }))).toThrow(
      /http:\/\/zw\.example\.com \(profile default's base-url\) is plain http:\/\/ .*'airtime config set allow-insecure-http true --profile default'/,
    );
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'https://zw.example.com' }, { ZW_BASE_URL: 'http://10.1.2.3:8080' }))).toThrow(/\(ZW_BASE_URL\)/);
  });

  it('allowed by the profile (for its own provider), and always for https:// and loopback', () => {
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'http://zw.example.com', allowInsecureHttp: 'true' }))).not.toThrow();
    expect(() => requireSecureBaseUrl(settingsWith({ allowInsecureHttp: 'true' }, { ZW_BASE_URL: 'http://10.1.2.3' }))).not.toThrow();
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'http://zw.example.com', allowInsecureHttp: 'false' }))).toThrow(/plain http/);
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'https://zw.example.com' }))).not.toThrow();
    expect(() => requireSecureBaseUrl(settingsWith({ baseUrl: 'http://127.0.0.1:9000' }))).not.toThrow();
  });
});
