import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { sandboxState } from '../helpers/sandbox-state.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

/**
 * The data folder is yours or it is not used (ssh's StrictModes). The tests run as root, who owns
 * everything: "another user" is uid 65534 (nobody), given with chown.
 */
const other = 65534;

/** One line, exit 4, naming the path and the fix; never a stack trace. */
function refused(result: CliResult, path: string, fix: RegExp): void {
  expect(result.code).toBe(4);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(path);
  expect(errors[0]).toMatch(fix);
  expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
}

describe('the data folder is yours or it is not used', () => {
  let provider: ScriptedServer;
  beforeAll(async () => {
    // "Their server": it must never hear from us.
    provider = await startScriptedServer(() => ({ status: 200, body: '{}' }));
  });
  afterAll(async () => {
    await provider.close();
  });

  it("a planted config.json (another user's folder and file, mode 666, base URL to their server): the key is not written into it and nothing is sent", async () => {
    const shared = mkdtempSync(join(tmpdir(), 'airtime-shared-'));
    const home = join(shared, 'airtime');
    try {
      // Another local user got there first: their folder, their world-writable config naming their server.
      mkdirSync(home);
      const planted = JSON.stringify({
        activeProfile: 'default',
        profiles: { default: { provider: 'africastalking', username: 'sandbox', baseUrl: provider.url } },
      });
      writeFileSync(join(home, 'config.json'), planted);
      chmodSync(join(home, 'config.json'), 0o666);
      chownSync(join(home, 'config.json'), other, other);
      chmodSync(home, 0o777);
      chownSync(home, other, other);

      refused(await runCli(home, ['config', 'set', 'api-key', '--stdin'], { input: 'atsk_MY_REAL_KEY_123' }), home, /belongs to another user \(uid 65534\)/);
      refused(await runCli(home, ['send', '+254711000100', '10', '--yes'], { env: { AT_API_KEY: 'atsk_MY_REAL_KEY_123' } }), home, /another user/);
      expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(planted);
      expect(provider.requests).toHaveLength(0);

      // The folder made the user's own, the planted file is still refused on its own account.
      chownSync(home, 0, 0);
      chmodSync(home, 0o700);
      refused(
        await runCli(home, ['config', 'set', 'api-key', '--stdin'], { input: 'atsk_MY_REAL_KEY_123' }),
        join(home, 'config.json'),
        /another user.*'chown \S+ /,
      );
      refused(
        await runCli(home, ['send', '+254711000100', '10', '--yes'], { env: { AT_API_KEY: 'atsk_MY_REAL_KEY_123' } }),
        join(home, 'config.json'),
        /chown/,
      );
      expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(planted);
      expect(provider.requests).toHaveLength(0);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  /** A home with a journal, a config and the sandbox's state, all as airtime made them. */
  async function usedHome(): Promise<{ home: string; cleanup: () => void }> {
    const made = tempHome();
    expect((await runCli(made.home, ['config', 'set', 'country', 'KE'])).code).toBe(0);
    expect((await runCli(made.home, ['send', '+254711000100', '10', '--yes'])).code).toBe(0);
    return made;
  }

  const cases: [string, (home: string) => string, RegExp][] = [
    ['the config owned by another user', (home) => own(join(home, 'config.json')), /another user.*chown/],
    ['the config writable by others (666)', (home) => mode(join(home, 'config.json'), 0o666), /mode 666\): run 'chmod 600 /],
    ['the config writable by its group (620)', (home) => mode(join(home, 'config.json'), 0o620), /mode 620\): run 'chmod 600 /],
    ['the data folder writable by its group (770)', (home) => mode(home, 0o770), /mode 770\): run 'chmod 700 /],
    ['the data folder owned by another user', (home) => own(home), /another user/],
    ['the journal owned by another user', (home) => own(join(home, 'journal.db')), /another user/],
    ['the journal writable by others', (home) => mode(join(home, 'journal.db'), 0o646), /chmod 600/],
    ["the journal's -wal writable by others", (home) => mode(plant(join(home, 'journal.db-wal')), 0o666), /chmod 600/],
    ["the journal's -shm owned by another user", (home) => own(plant(join(home, 'journal.db-shm'))), /another user/],
    ["the sandbox's state owned by another user", (home) => own(join(home, 'sandbox.db')), /another user/],
    ['a Lipad token cache owned by another user', (home) => own(plant(join(home, 'lipad-token-abc.json'))), /another user/],
    ['a Lipad token cache that is a link', (home) => link(join(home, 'lipad-token-abc.json'), '/etc/hostname'), /symbolic link/],
    ['the journal a link (dangling)', (home) => link(join(home, 'journal.db'), join(home, 'elsewhere.db')), /symbolic link/],
    ['the callback spool writable by others', (home) => mode(folder(join(home, 'callback-spool')), 0o777), /chmod 700/],
  ];

  it.each(cases)('%s: every command refuses, naming the file and the fix (exit 4), and sends nothing', async (_, spoil, fix) => {
    const { home, cleanup } = await usedHome();
    try {
      const path = spoil(home);
      refused(await runCli(home, ['status']), path, fix);
      refused(await runCli(home, ['send', '+254711000200', '10', '--yes']), path, fix);
      refused(await runCli(home, ['config', 'set', 'country', 'UG']), path, fix);
      expect(sandboxState(home).transfers).toBe(1);
      expect(existsSync(join(home, 'elsewhere.db'))).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('a spooled callback another user put in the spool is not replayed: callbacks list refuses, naming it', async () => {
    const { home, cleanup } = await usedHome();
    try {
      const spool = folder(join(home, 'callback-spool'));
      const entry = own(plant(join(spool, '000000000000001-1-abcdef.json')));
      refused(await runCli(home, ['callbacks', 'list']), entry, /another user/);
    } finally {
      cleanup();
    }
  });

  it("a data folder inside a folder others can change (777, or 775 for another group, no sticky bit) or another user owns is refused; inside /tmp-like 1777, or 775 of the user's own group, it is used", async () => {
    const shared = mkdtempSync(join(tmpdir(), 'airtime-open-'));
    try {
      const home = join(shared, 'airtime');
      chmodSync(shared, 0o777);
      refused(await runCli(home, ['status']), shared, /no sticky bit/);
      chmodSync(shared, 0o1777);
      expect((await runCli(home, ['send', '+254711000100', '10', '--yes'])).code).toBe(0);
      // Group-writable: refused for a group that is not the user's own, allowed for the user's primary group
      // (user private groups, umask 002, as Debian's ssh allows).
      chmodSync(shared, 0o775);
      chownSync(shared, 0, other);
      refused(await runCli(home, ['status']), shared, /mode 775, no sticky bit/);
      chownSync(shared, 0, process.getgid?.() ?? 0);
      expect((await runCli(home, ['status'])).code).toBe(0);
      // A parent another user owns: they could replace the folder in it.
      chmodSync(shared, 0o755);
      chownSync(shared, other, other);
      refused(await runCli(home, ['status']), shared, /another user \(uid 65534\) owns/);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('what airtime creates is private: the folder 0700, config, journal and caches 0600', async () => {
    const base = tempHome();
    try {
      const home = join(base.home, 'fresh', 'airtime');
      expect((await runCli(home, ['config', 'set', 'country', 'KE'])).code).toBe(0);
      expect((await runCli(home, ['send', '+254711000100', '10', '--yes'])).code).toBe(0);
      expect(statSync(home).mode & 0o777).toBe(0o700);
      for (const name of ['config.json', 'journal.db', 'sandbox.db']) expect(statSync(join(home, name)).mode & 0o777, name).toBe(0o600);
      // A good folder is used as before.
      expect(parseJson<{ transfers: unknown[] }>((await runCli(home, ['status', '--json'])).stdout).transfers).toHaveLength(1);
    } finally {
      base.cleanup();
    }
  });
});

describe('output files never follow a link', () => {
  const payouts = (home: string) => {
    const file = join(home, 'payouts.csv');
    writeFileSync(file, 'phone,amount\n+254711000100,10\n+254711000200,20\n');
    return file;
  };

  it.each([
    ['bulk --out', (file: string, out: string) => ['bulk', file, '--yes', '--out', out]],
    ['bulk --errors-out', (file: string, out: string) => ['bulk', file, '--yes', '--errors-out', out]],
  ])('%s at a link: refused before anything is sent (exit 2), the file behind it untouched', async (_, args) => {
    const { home, cleanup } = tempHome();
    try {
      const victim = join(home, 'precious.txt');
      writeFileSync(victim, 'precious\n');
      for (const target of [victim, join(home, 'not-yet.txt')]) {
        const out = link(join(home, `out-${target.length}.csv`), target);
        const result = await runCli(home, args(payouts(home), out));
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`${out} is a symbolic link`);
        expect(sandboxState(home).transfers).toBe(0);
      }
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(existsSync(join(home, 'not-yet.txt'))).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('batch show --out and audit export --out at a link: refused (exit 2), the file behind it untouched', async () => {
    const { home, cleanup } = tempHome();
    try {
      const paid = await runCli(home, ['bulk', payouts(home), '--yes', '--json']);
      expect(paid.code).toBe(0);
      const batch = parseJson<{ batch: string }>(paid.stdout.trim().split('\n').at(-1) ?? '{}').batch;
      const victim = join(home, 'precious.txt');
      writeFileSync(victim, 'precious\n');
      const out = link(join(home, 'out.csv'), victim);
      for (const args of [
        ['batch', 'show', batch, '--out', out],
        ['audit', 'export', '--format', 'csv', '--out', out],
      ]) {
        const result = await runCli(home, args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toContain(`${out} is a symbolic link`);
      }
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    } finally {
      cleanup();
    }
  });
});

function own(path: string): string {
  chownSync(path, other, other);
  return path;
}

function mode(path: string, bits: number): string {
  chmodSync(path, bits);
  return path;
}

function plant(path: string): string {
  writeFileSync(path, '');
  chmodSync(path, 0o600);
  return path;
}

function folder(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

function link(path: string, target: string): string {
  rmSync(path, { force: true });
  symlinkSync(target, path);
  return path;
}
