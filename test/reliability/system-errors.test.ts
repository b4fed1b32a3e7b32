import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { writePayouts } from '../helpers/files.js';
import { freshDatabase } from '../helpers/pg.js';
import { journalRows } from '../helpers/sandbox-state.js';
import Database from 'better-sqlite3';

/** The machine's state, not a bug: each is one line naming what to do, with the README's exit code. */
const noBug = (result: { stderr: string }) => {
  expect(result.stderr).not.toMatch(/this is a bug|unexpected|\n\s+at .+:\d+:\d+/);
};

/** Runs a shell line with the built CLI as `airtime` (a function), AIRTIME_HOME set, and returns what it printed. */
function sh(home: string, script: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `airtime() { "${process.execPath}" "${binPath}" "$@"; }\n${script}`], {
      env: { ...process.env, AIRTIME_HOME: home, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('ports, pipes and disks', () => {
  const home = tempHome();
  let busy: Server;
  let port = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    port = (busy.address() as { port: number }).port;
    for (let index = 0; index < 3; index += 1) await runCli(home.home, ['send', `+25471100010${index}`, '10', '--yes']);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
    home.cleanup();
  });

  it.each([[['serve-callbacks']], [['callbacks', 'serve']], [['sandbox', 'serve']]])('%j on a port in use: exit 2, choose another', async (command) => {
    const result = await runCli(home.home, [...command, '--port', String(port)]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`error: port ${port} is in use: choose another with --port (0 picks a free one)`);
    noBug(result);
  });

  it('status | head -1 and bulk --json | head: the reader going away is not an error', async () => {
    const status = await sh(home.home, 'airtime status | head -1; echo "rc=${PIPESTATUS[0]}" >&2');
    expect(status.stdout).toBe('reference\tstatus\tphone\tamount\tprovider\tcreated\n');
    expect(status.stderr).toMatch(/rc=0/);
    noBug(status);
    const { path } = writePayouts(home.home, 400);
    const bulk = await sh(home.home, `airtime bulk "${path}" --yes --json | head -c 20; echo; echo "rc=\${PIPESTATUS[0]}" >&2`);
    expect(bulk.stdout).toMatch(/^\{"batch":"b_/);
    expect(bulk.stderr).toMatch(/rc=0/);
    noBug(bulk);
    // A listener whose reader leaves (here at its first line: the sandbox's callbacks of the sends above)
    // stops as if interrupted (130), cleanly, instead of dying mid-write or running to its --timeout (0).
    const listener = await sh(home.home, 'airtime serve-callbacks --format json --timeout 25 | head -n 1 >/dev/null; echo "rc=${PIPESTATUS[0]}" >&2');
    expect(listener.stderr).toMatch(/rc=130/);
    noBug(listener);
  });

  it('every writer to stdout: a reader that goes away at once or after a byte is not an error, on both journals', async () => {
    // Every command whose output is long, written in chunks, or written before the CLI is loaded.
    const commands = [
      'audit export --format csv',
      'audit export --format json',
      '--version',
      '--help',
      'help send',
      'status',
      'status --json',
      'batches',
      'callbacks list',
    ];
    for (const [store, env] of [
      ['sqlite', {}],
      ['postgres', { AIRTIME_JOURNAL_URL: (await freshDatabase('epipe')).url }],
    ] as const) {
      if (store === 'postgres') expect((await sh(home.home, 'airtime send +254711000401 10 --yes', env)).stderr).not.toMatch(/error/);
      for (const command of commands) {
        for (const reader of ['true', 'head -c 1 >/dev/null']) {
          const result = await sh(home.home, `airtime ${command} | ${reader}; echo "rc=\${PIPESTATUS[0]}" >&2`, env);
          expect({ store, command, reader, stderr: result.stderr }).toMatchObject({ stderr: expect.stringMatching(/rc=0\n$/) });
          expect(result.stderr).not.toMatch(/EPIPE|error/);
          noBug(result);
        }
      }
    }
  });

  it('output to a full device (> /dev/full) is lost output, not a success: exit 4 with one line, the journal kept', async () => {
    const sent = await sh(home.home, 'airtime send +254711000312 10 --yes >/dev/null; airtime status --json >/dev/full; echo "rc=$?" >&2');
    expect(sent.stderr).toMatch(/rc=4/);
    expect(sent.stderr).toContain('error: the output could not be written to stdout (ENOSPC): what was journaled is kept');
    noBug(sent);
    const again = await runCli(home.home, ['status', '--json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('+254711000312');
  });

  it('a read-only data folder: exit 4 naming the folder, for reading and writing commands alike', async () => {
    const script = [
      'mount --bind "$AIRTIME_HOME" "$AIRTIME_HOME" && mount -o bind,remount,ro "$AIRTIME_HOME" "$AIRTIME_HOME" || exit 99',
      'for args in "status" "send +254711000900 10 --yes" "config set country KE" "bulk samples/payouts.csv --yes" "batches"; do',
      '  "$NODE" "$BIN" $args; echo "rc=$?" >&2',
      'done',
    ].join('\n');
    const result = await new Promise<CliResult>((resolve) => {
      const child = spawn('unshare', ['-rm', 'bash', '-c', script], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...process.env, AIRTIME_HOME: home.home, NODE: process.execPath, BIN: binPath, NO_COLOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expect(result.code).not.toBe(99);
    expect(result.stderr.match(/rc=\d+/g)).toEqual(['rc=4', 'rc=4', 'rc=4', 'rc=4', 'rc=4']);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(5);
    for (const line of errors) expect(line).toContain(`the data folder ${home.home} cannot be written (read-only)`);
    noBug(result);
  });

  it('a journal held by a stopped writer: after the busy timeout, one line saying how to resume it, and nothing sent', async () => {
    const own = tempHome();
    const first = await runCli(own.home, ['send', '+254711000310', '10', '--provider', 'sandbox', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    // A writer stopped inside a transaction (Ctrl-Z, SIGSTOP) keeps SQLite's write lock until it is resumed.
    const holder = new Database(join(own.home, 'journal.db'));
    let blocked: CliResult;
    try {
      holder.prepare('BEGIN IMMEDIATE').run();
      blocked = await runCli(own.home, ['send', '+254711000311', '10', '--provider', 'sandbox', '--yes'], { timeoutMs: 60_000 });
      holder.prepare('ROLLBACK').run();
    } finally {
      holder.close();
    }
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(
      `error: the journal in ${own.home} is busy (another airtime is writing to it, or is stopped in the middle of a write — resume a stopped one with 'fg' or 'kill -CONT PID')`,
    );
    noBug(blocked);
    expect(journalRows(own.home)).toHaveLength(1);
    own.cleanup();
  });

  it("a full disk: exit 4, 'the journal's disk is full', nothing sent and nothing lost", async () => {
    const full = tempHome();
    try {
      const { path } = writePayouts(full.home, 3000, 'big.csv');
      writeFileSync(join(full.home, 'note.txt'), 'the payout file lives outside the full disk');
      const data = join(full.home, 'data');
      // mode=0700: a tmpfs is 1777 by default, a data folder anyone can write, which airtime refuses.
      const script =
        'mkdir -p "$AIRTIME_HOME" && mount -t tmpfs -o size=256k,mode=0700 tmpfs "$AIRTIME_HOME" || exit 99\n"$NODE" "$BIN" bulk "$FILE" --yes; echo "rc=$?" >&2';
      const result = await new Promise<CliResult>((resolve) => {
        const child = spawn('unshare', ['-rm', 'bash', '-c', script], {
          env: { ...process.env, AIRTIME_HOME: data, NODE: process.execPath, BIN: binPath, FILE: path, NO_COLOR: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
      expect(result.code).not.toBe(99);
      expect(result.stderr).toMatch(/rc=4/);
      expect(result.stderr).toContain(`error: the journal's disk is full (${data}): free some space, then run the same command again — nothing is lost`);
      expect(result.stderr).not.toMatch(/sent \d+\/3000/);
      noBug(result);
    } finally {
      full.cleanup();
    }
  });
});
