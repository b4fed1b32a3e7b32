import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome } from '../helpers/cli.js';

const samples = join(import.meta.dirname, '../../samples');

/** The order of a help page's sections, by their headings. */
const headings = (page: string) => page.split('\n').filter((line) => /^[A-Z][A-Z ]+$/.test(line));

describe('help like gh', () => {
  const home = tempHome();
  afterAll(() => home.cleanup());

  it('the main page: examples first, commands grouped, exit codes', async () => {
    const result = await runCli(home.home, ['--help']);
    expect(result.code).toBe(0);
    expect(headings(result.stdout)).toEqual([
      'EXAMPLES',
      'USAGE',
      'PAYMENT COMMANDS',
      'ACCOUNT COMMANDS',
      'DEVELOPER COMMANDS',
      'TEAM COMMANDS',
      'FLAGS',
      'LEARN MORE',
    ]);
    expect(result.stdout).toMatch(/PAYMENT COMMANDS\n {2}send .*\n(.*\n)* {2}batches /);
    expect(result.stdout).toContain('130 cancelled');
    expect((await runCli(home.home, ['help'])).stdout).toBe(result.stdout);
  });

  it.each([['send'], ['bulk'], ['status'], ['batches'], ['reconcile'], ['wallet']])(
    '%s --help: examples, usage, flags, then the inherited flags',
    async (command) => {
      const result = await runCli(home.home, [command, '--help']);
      expect(result.code).toBe(0);
      const order = headings(result.stdout);
      expect(order[0]).toBe('EXAMPLES');
      expect(order.indexOf('USAGE')).toBeGreaterThan(0);
      expect(order.indexOf('INHERITED FLAGS')).toBeGreaterThan(order.indexOf('FLAGS'));
      const inherited = result.stdout.slice(result.stdout.indexOf('INHERITED FLAGS'));
      for (const flag of ['--json', '--profile <name>', '--provider <name>', '--no-color']) expect(inherited).toContain(flag);
      expect(result.stdout).toMatch(new RegExp(`\\$ airtime ${command}`));
    },
  );

  it.each([['config'], ['profile'], ['sandbox'], ['callbacks'], ['batch'], ['policy'], ['audit'], ['journal']])(
    'the %s group page lists its commands with examples',
    async (group) => {
      const result = await runCli(home.home, ['help', group]);
      expect(result.code).toBe(0);
      expect(headings(result.stdout).slice(0, 3)).toEqual(['EXAMPLES', 'USAGE', 'COMMANDS']);
      expect(result.stdout).toContain(`Use 'airtime help ${group} <command>' for more about a command.`);
      expect(result.stdout).not.toMatch(/^ {2}help /m);
      expect((await runCli(home.home, [group, '--help'])).stdout).toBe(result.stdout);
    },
  );

  it('airtime help config set is the page of config set, however it is asked', async () => {
    const page = (await runCli(home.home, ['config', 'set', '--help'])).stdout;
    expect(page).toMatch(/^set a setting/);
    expect(page).toContain('USAGE\n  airtime config set [flags] <key> [value]');
    expect(page).toContain('large-run.<CUR>');
    for (const args of [
      ['help', 'config', 'set'],
      ['config', 'help', 'set'],
    ]) {
      const result = await runCli(home.home, args);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(page);
    }
  });

  it('help for something that is no command exits 2 with a guess', async () => {
    const result = await runCli(home.home, ['help', 'profil']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`error: unknown command "profil" for "airtime" (did you mean profile?): run 'airtime --help' for the list`);
    expect(result.stdout).toBe('');
  });
});

describe('shell completion', () => {
  const home = tempHome();
  let batch = '';
  beforeAll(async () => {
    await runCli(home.home, ['profile', 'add', 'kenya-live', '--provider', 'africastalking', '--username', 'me']);
    const paid = await runCli(home.home, ['bulk', join(samples, 'payouts.csv'), '--yes', '--json'], { env: { AIRTIME_SANDBOX_SETTLE_MS: '100' } });
    batch = parseJson<{ batch: string }>(paid.stdout).batch;
  });
  afterAll(() => home.cleanup());

  const values = async (...words: string[]) => {
    const result = await runCli(home.home, ['complete', '--', ...words], { cwd: join(samples, '..') });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^:\d+$/);
    return lines.slice(0, -1).map((line) => line.split('\t')[0]);
  };

  it.each([['bash'], ['zsh'], ['fish'], ['powershell']])('airtime completion %s prints a script that asks airtime complete', async (shell) => {
    const result = await runCli(home.home, ['completion', shell]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/airtime complete '?--/);
  });

  it('completes commands, subcommands and flags (global ones too)', async () => {
    expect(await values('ba')).toEqual(['batches', 'batch']);
    expect(await values('config', '')).toEqual(['set', 'get', 'list', 'unset']);
    expect(await values('bulk', '--re')).toEqual(['--repeat-window', '--resume', '--retry-hours', '--remote']);
    expect(await values('status', '--p')).toEqual(['--profile', '--provider']);
    expect(await values('')).not.toContain('complete');
  });

  it('completes the values only this machine knows: profiles, providers, batches, references, settings, states, files', async () => {
    expect(await values('profile', 'use', '')).toEqual(['default', 'kenya-live']);
    expect(await values('send', '1', '1', '--profile', 'k')).toEqual(['kenya-live']);
    expect(await values('wallet', '--provider', '')).toEqual(['sandbox', 'africastalking', 'lipad', 'zw']);
    expect(await values('bulk', '--resume', '')).toEqual([batch]);
    expect(await values('batch', 'show', '')).toEqual([batch]);
    expect(await values('reconcile', '')).toEqual([batch]);
    expect(await values('status', 'nov-2026-00')).toHaveLength(5);
    expect(await values('status', '--state', 'del')).toEqual(['delivered']);
    expect(await values('config', 'set', 'api')).toEqual(['api-key']);
    expect(await values('config', 'get', 'large-run.U')).toEqual(['large-run.UGX', 'large-run.USD']);
    expect(await values('bulk', 'samples/payouts')).toEqual(['samples/payouts-no-reference.csv', 'samples/payouts.csv']);
    expect(await values('completion', '')).toEqual(['bash', 'zsh', 'fish', 'powershell']);
    expect(await values('help', 'pro')).toEqual(['products', 'providers', 'profile']);
  });

  it('a Tab never creates a journal', async () => {
    const fresh = tempHome();
    try {
      const result = await runCli(fresh.home, ['complete', '--', 'bulk', '--resume', '']);
      expect(result.stdout.trim()).toBe(':4');
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(fresh.home, 'journal.db'))).toBe(false);
    } finally {
      fresh.cleanup();
    }
  });
});
