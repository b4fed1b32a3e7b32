import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { binPath, parseJson, runCli, tempHome } from '../helpers/cli.js';
import { writePayouts, writeZwPayouts } from '../helpers/files.js';
import { journalCount, journalRows } from '../helpers/sandbox-state.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * One owner per batch and per key (DESIGN.md, invariant 5), and back to `queued` only on proof about
 * that exact request (invariant 4), against the wire simulators, counting charges where the money is: at
 * the simulated provider.
 */
function charged(sim: RunningSimServer, name: 'zw' | 'lipad' | 'at', currency: string): { transfers: number; minor: number; maxSends: number } {
  const gateway = sim[name].gateway;
  const counts = gateway.sendCounts();
  const balance = gateway.balances().find((entry) => entry.currency === currency)?.minor ?? 0;
  return { transfers: counts.size, minor: 1_000_000 * 100 - balance, maxSends: Math.max(0, ...counts.values()) };
}

/** Runs resumes until every row is final (bounded), as an operator would after a crash. */
async function settleBatch(home: string, env: Record<string, string>, batch: string, rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    await runCli(home, ['bulk', '--resume', batch, '--yes', '--wait', '--timeout', '10'], { env, timeoutMs: 60_000 });
    if (journalCount(home, ['queued', 'sending', 'unknown', 'submitted']) === 0) return;
    await delay(300);
  }
}

/**
 * Suspends a run between two journal writes: a process stopped inside one keeps SQLite's write lock and
 * nobody can write (nothing is sent either). Bounded: at most 50 tries.
 */
async function stopBetweenWrites(child: ChildProcess, home: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    child.kill('SIGSTOP');
    const db = new Database(join(home, 'journal.db'));
    try {
      db.pragma('busy_timeout = 200');
      db.exec('BEGIN IMMEDIATE; ROLLBACK');
      return;
    } catch {
      child.kill('SIGCONT');
      await delay(30);
    } finally {
      db.close();
    }
  }
  throw new Error('the run never paused between two writes');
}

/** Waits (bounded) until the batch's lease has been silent for longer than its time-to-live, by the journal's clock. */
async function leaseLooksOld(home: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const db = new Database(join(home, 'journal.db'), { readonly: true });
    const row = db.prepare(`SELECT (julianday('now') - julianday(heartbeat_at)) * 86400000 AS silent, ttl_ms FROM leases WHERE name LIKE 'batch:%'`).get() as
      { silent: number; ttl_ms: number } | undefined;
    db.close();
    if (row && row.silent > row.ttl_ms + 200) return;
    if (Date.now() > deadline) throw new Error('the lease never looked old');
    await delay(100);
  }
}

describe('one owner, proof before a resend', () => {
  let home: ReturnType<typeof tempHome>;
  let sim: RunningSimServer | undefined;
  beforeEach(() => {
    home = tempHome();
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    home.cleanup();
  });

  it("two `send --key K` at the same moment send K once; the other reports the first one's outcome", async () => {
    sim = await startTestSim({ faults: { latencyMs: 400 } });
    const env = simEnv(sim.url);
    for (let trial = 0; trial < 3; trial += 1) {
      const args = ['send', '+263772000015', '1', '--provider', 'zw', '--key', `twice-${trial}`, '--yes', '--allow-repeats', '--json'];
      const [a, b] = await Promise.all([runCli(home.home, args, { env }), runCli(home.home, args, { env })]);
      expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
      expect(parseJson<{ reference: string; status: string }>(a.stdout).status).toBe('delivered');
      expect(parseJson<{ reference: string; status: string }>(b.stdout).status).toBe('delivered');
      expect(sim.zw.gateway.sendCounts().get(`twice-${trial}`)).toBe(1);
    }
    expect(charged(sim, 'zw', 'USD')).toMatchObject({ transfers: 3, minor: 300 });
  });

  it('two runs confirmed at once whose rows overlap (a file and the file plus one row; two sends under two keys) pay each recipient once', async () => {
    // A slow provider: both runs ask for the balance (and so pass the gate) before either has claimed a row.
    sim = await startTestSim({ faults: { latencyMs: 600 } });
    const env = simEnv(sim.url);
    const { path } = writeZwPayouts(home.home, 10);
    const plusOne = join(home.home, 'zw-plus-one.csv');
    writeFileSync(plusOne, `${readFileSync(path, 'utf8')}+263772319994,1,USD\n`);
    // Both pass the gate before either has sent: the repeat guard is re-checked as each row is claimed.
    const [a, b] = await Promise.all([
      runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--concurrency', '4'], { env }),
      runCli(home.home, ['bulk', plusOne, '--provider', 'zw', '--yes', '--concurrency', '4'], { env }),
    ]);
    expect(charged(sim, 'zw', 'USD'), `${a.stderr}\n${b.stderr}`).toMatchObject({ transfers: 11, minor: 1100, maxSends: 1 });
    const held = [a, b].filter((run) => /not sent: another run paid the same phone and amount after this one was confirmed/.test(run.stderr));
    expect(held.length, `${a.stderr}\n${b.stderr}`).toBe(1);
    expect(held[0]?.code).toBe(5);
    // The rows held back stay queued, and a resume meets the repeat guard again instead of paying them.
    const queued = journalRows(home.home).filter((row) => row.status === 'queued');
    expect(queued.length).toBeGreaterThan(0);

    const sends = await Promise.all(
      ['ka', 'kb'].map((key) => runCli(home.home, ['send', '+263772501114', '3', '--provider', 'zw', '--key', key, '--yes', '--json'], { env })),
    );
    expect(sends.map((run) => run.code).sort(), sends.map((run) => run.stderr).join('\n')).toEqual([0, 1]);
    expect(sends.find((run) => run.code === 1)?.stderr).toMatch(
      /\+263772501114 was paid 3\.00 USD by another run after this one was confirmed: k[ab] was not sent|repeats a payment/,
    );
    expect(charged(sim, 'zw', 'USD')).toMatchObject({ transfers: 12, minor: 1400, maxSends: 1 });
  });

  it('two sends of one key to different recipients at the same moment: one pays, the other is refused, never "already sent"', async () => {
    sim = await startTestSim({ faults: { latencyMs: 400 } });
    const env = simEnv(sim.url);
    const send = (phone: string) => runCli(home.home, ['send', phone, '1', '--provider', 'zw', '--key', 'K1', '--yes'], { env });
    const [a, b] = await Promise.all([send('+263772250100'), send('+263772251100')]);
    expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).toEqual([0, 3]);
    expect([a, b].find((run) => run.code === 3)?.stderr).toMatch(/key "K1" was already used for a different transfer/);
    expect(charged(sim, 'zw', 'USD')).toMatchObject({ transfers: 1, minor: 100, maxSends: 1 });

    // Two profiles of one zw account (same endpoint and key): zw deduplicates on the key across them.
    for (const name of ['z1', 'z2']) expect((await runCli(home.home, ['profile', 'add', name, '--provider', 'zw'], { env })).code).toBe(0);
    expect((await runCli(home.home, ['send', '+263772110100', '1', '--key', 'zsame', '--profile', 'z1', '--yes'], { env })).code).toBe(0);
    const twin = await runCli(home.home, ['send', '+263772110200', '3', '--key', 'zsame', '--profile', 'z2', '--yes'], { env });
    expect(twin.code, twin.stderr).toBe(3);
    expect(twin.stderr).toMatch(/key "zsame" was already used through zw \(profile z1\), the same zw account as zw \(profile z2\).*use a new key/);
    expect(charged(sim, 'zw', 'USD')).toMatchObject({ transfers: 2, minor: 200, maxSends: 1 });
  });

  it('a second run of the same batch is refused while the first is alive, and says who holds it', async () => {
    sim = await startTestSim({ faults: { latencyMs: 20 } });
    const env = simEnv(sim.url);
    const { path } = writeZwPayouts(home.home, 200);
    const first = spawn(process.execPath, [binPath, 'bulk', path, '--provider', 'zw', '--yes', '--concurrency', '1'], {
      env: { ...process.env, ...env, AIRTIME_HOME: home.home },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (journalCount(home.home, ['delivered']) === 0 && Date.now() < deadline) await delay(20);
      const second = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes'], { env });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`is being run by pid ${first.pid ?? 0} on .*: nothing was done`));
      const reconcile = await runCli(home.home, ['reconcile', '--json'], { env });
      expect(reconcile.code).toBe(5);
      expect(parseJson<{ skipped: { reason: string }[] }>(reconcile.stdout).skipped[0]?.reason).toMatch(/being run by/);
      expect(await exited).toBe(0);
    } finally {
      first.kill('SIGKILL');
    }
    expect(charged(sim, 'zw', 'USD')).toEqual({ transfers: 200, minor: 200 * 100, maxSends: 1 });
  });

  it('a live run on this host whose lease looks old (suspended, or a clock that jumped) is never taken over, and pays everything once', async () => {
    sim = await startTestSim({ faults: { latencyMs: 15 } });
    const env = { ...simEnv(sim.url), AIRTIME_LEASE_TTL_MS: '1000', AIRTIME_RESEND_SETTLE_MS: '0' };
    const { path } = writeZwPayouts(home.home, 300);
    let stderr = '';
    const first = spawn(process.execPath, [binPath, 'bulk', path, '--provider', 'zw', '--yes', '--concurrency', '2'], {
      env: { ...process.env, ...env, AIRTIME_HOME: home.home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    first.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (journalCount(home.home, ['delivered']) < 30 && Date.now() < deadline) await delay(10);
      await stopBetweenWrites(first, home.home);
      await leaseLooksOld(home.home);
      const second = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--json'], { env, timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `is being run by pid ${first.pid} on .*: that process is alive on this host, so it is not taken over however long it has been silent; nothing was done — resume it \\(fg, or kill -CONT ${first.pid}\\)`,
        ),
      );
      first.kill('SIGCONT');
      expect(await exited, stderr).toBe(0);
      expect(stderr).not.toMatch(/taken over/);
    } finally {
      first.kill('SIGKILL');
    }
    expect(journalRows(home.home).every((row) => row.status === 'delivered')).toBe(true);
    expect(charged(sim, 'zw', 'USD')).toEqual({ transfers: 300, minor: 300 * 100, maxSends: 1 });
  });

  it('a run on another host silent past its lease is taken over; when it wakes it sends nothing more and says who took it and how to continue', async () => {
    sim = await startTestSim({ faults: { latencyMs: 15 } });
    const env = { ...simEnv(sim.url), AIRTIME_LEASE_TTL_MS: '1500', AIRTIME_RESEND_SETTLE_MS: '0' };
    const { path } = writeZwPayouts(home.home, 300);
    let stderr = '';
    const first = spawn(process.execPath, [binPath, 'bulk', path, '--provider', 'zw', '--yes', '--concurrency', '2'], {
      env: { ...process.env, ...env, AIRTIME_HOME: home.home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    first.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (journalCount(home.home, ['delivered']) < 30 && Date.now() < deadline) await delay(10);
      await stopBetweenWrites(first, home.home);
      // As a run on another machine sharing the journal looks (team mode): this host cannot ask about its process.
      const db = new Database(join(home.home, 'journal.db'));
      db.prepare(`UPDATE leases SET host = 'another-host'`).run();
      db.close();
      // Refused while the lease is fresh; taken over once the silent holder has been silent for its TTL.
      let second = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--json'], { env, timeoutMs: 60_000 });
      for (let attempt = 0; attempt < 20 && second.code === 1; attempt += 1) {
        expect(second.stderr).toMatch(/is being run by pid \d+ on another-host/);
        await delay(250);
        second = await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--json'], { env, timeoutMs: 60_000 });
      }
      expect(second.stderr).toMatch(/took over batch b_[0-9a-f]+ from a run that stopped answering/);
      expect(second.code).toBe(0);
      first.kill('SIGCONT');
      const code = await exited;
      expect(code).toBe(5);
      // The last line says why this run stopped, who has the batch now, and what to type.
      expect(stderr.trim().split('\n').at(-1)).toMatch(
        /^batch (b_[0-9a-f]+) was taken over by another run (\(pid \d+ on [^,]+, [^)]+\)|\(since ended\)) while this run was silent for longer than its lease: this run stopped sending \(\d+ sent by it\)(; | and that run sends the rest; once it ends, )check or finish with: airtime bulk --resume \1 --provider zw$/,
      );
    } finally {
      first.kill('SIGKILL');
    }
    const { batch } = parseJson<{ batch: string }>((await runCli(home.home, ['bulk', path, '--provider', 'zw', '--yes', '--json'], { env })).stdout);
    await settleBatch(home.home, env, batch);
    const rows = journalRows(home.home);
    expect(rows.every((row) => row.status === 'delivered')).toBe(true);
    // Charged once each: a request in flight at the suspension may have been repeated, under the same key.
    expect(charged(sim, 'zw', 'USD')).toMatchObject({ transfers: 300, minor: 300 * 100 });
  });

  it('journal migrate refuses while a run holds a batch, naming the run (it said "the last events were deleted")', async () => {
    sim = await startTestSim({ faults: { latencyMs: 15 } });
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
    const { path } = writeZwPayouts(home.home, 300);
    const first = spawn(process.execPath, [binPath, 'bulk', path, '--provider', 'zw', '--yes', '--concurrency', '2'], {
      env: { ...process.env, ...env, AIRTIME_HOME: home.home },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (journalCount(home.home, ['delivered']) < 10 && Date.now() < deadline) await delay(10);
      const migrate = await runCli(home.home, ['journal', 'migrate', '--to', 'postgres://airtime@127.0.0.1:1/airtime'], { env });
      expect(migrate.code, migrate.stderr).toBe(1);
      expect(migrate.stderr).toMatch(
        new RegExp(
          `batch b_[0-9a-f]+ is being run by pid ${first.pid} on [^ ]+ \\([^)]+\\), last heard from \\d+s ago: nothing was copied; migrate once it has finished`,
        ),
      );
      expect(migrate.stderr).not.toMatch(/deleted|tampered/);
      expect(await exited).toBe(0);
    } finally {
      first.kill('SIGKILL');
    }
    expect(charged(sim, 'zw', 'USD')).toEqual({ transfers: 300, minor: 300 * 100, maxSends: 1 });
  });

  it.each(['removed', 'replaced by another file'] as const)(
    'a journal file %s under a running bulk is noticed before the run reports success: one line, exit 1',
    async (what) => {
      sim = await startTestSim({ faults: { latencyMs: 15 } });
      const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '0' };
      const { path } = writeZwPayouts(home.home, 200);
      let stderr = '';
      const run = spawn(process.execPath, [binPath, 'bulk', path, '--provider', 'zw', '--yes', '--concurrency', '2'], {
        env: { ...process.env, ...env, AIRTIME_HOME: home.home },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      run.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => run.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 20_000;
        while (journalCount(home.home, ['delivered']) < 10 && Date.now() < deadline) await delay(10);
        const file = join(home.home, 'journal.db');
        if (what === 'removed') rmSync(file);
        else {
          copyFileSync(file, `${file}.copy`);
          renameSync(`${file}.copy`, file);
        }
        expect(await exited, stderr).toBe(1);
      } finally {
        run.kill('SIGKILL');
      }
      expect(stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^error: the journal .*journal\\.db was ${what} while this command was writing to it: what it did is recorded only in the file it opened`),
      );
    },
  );

  it('a journal file removed while `send --wait` waits is noticed before it reports the transfer delivered: exit 1', async () => {
    const sending = spawn(process.execPath, [binPath, 'send', '+254711000100', '100', '--yes', '--wait'], {
      env: { ...process.env, AIRTIME_HOME: home.home, AIRTIME_SANDBOX_SETTLE_MS: '2000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    sending.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => sending.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (journalCount(home.home, ['submitted']) < 1 && Date.now() < deadline) await delay(10);
      rmSync(join(home.home, 'journal.db'));
      expect(await exited, stderr).toBe(1);
    } finally {
      sending.kill('SIGKILL');
    }
    expect(stderr).toMatch(/^error: the journal .*journal\.db was removed while this command was writing to it/m);
  });

  it('Lipad, killed with a request in flight at a provider slow to show it: no row ever joins another request, charges equal rows', async () => {
    sim = await startTestSim({ faults: { visibleAfterMs: 700 } });
    const env = { ...simEnv(sim.url), AIRTIME_RESEND_SETTLE_MS: '300' };
    const { path, totalMinor } = writePayouts(home.home, 2500);
    const crashed = await runCli(home.home, ['bulk', path, '--provider', 'lipad', '--yes', '--concurrency', '1'], {
      env: { ...env, AIRTIME_FAILPOINT: 'after-send:1' },
      timeoutMs: 60_000,
    });
    expect(crashed.signal).toBe('SIGKILL');
    // Resumed at once: the request is not visible yet, and "not found" before the settle delay proves nothing.
    const early = await runCli(home.home, ['reconcile', '--json'], { env: { ...env, AIRTIME_RESEND_SETTLE_MS: '30000' }, timeoutMs: 60_000 });
    expect(parseJson<{ requeued: number }>(early.stdout).requeued).toBe(0);
    const requests = () => new Set(journalRows(home.home).map((row) => row.reference));
    expect(requests().size).toBe(2500);
    const batch = (await runCli(home.home, ['status', '--json', '--limit', '1'], { env })).stdout;
    const id = /"batch":"(b_[0-9a-f]+)"/.exec(batch)?.[1] ?? '';
    await settleBatch(home.home, env, id);
    expect(journalRows(home.home).every((row) => row.status === 'delivered')).toBe(true);
    const lipad = charged(sim, 'lipad', 'KES');
    expect(lipad.transfers).toBe(2500);
    expect(lipad.minor).toBe(totalMinor);
    // Three requests of up to 1000 recipients, each sent under one reference: never regrouped.
    const references = new Set([...sim.lipad.gateway.sendCounts().keys()].map((key) => key.split('#')[0]));
    expect(references.size).toBe(3);
  });

  it("reconcile under another profile asks each transfer's own account, never the active one", async () => {
    sim = await startTestSim();
    const other = await startTestSim();
    try {
      const envA = simEnv(sim.url);
      await runCli(home.home, ['profile', 'add', 'a', '--provider', 'zw', '--base-url', sim.url]);
      await runCli(home.home, ['profile', 'add', 'b', '--provider', 'zw', '--base-url', other.url]);
      const lost = await runCli(home.home, ['send', '+263772000003', '1', '--profile', 'a', '--key', 'lost-a', '--yes', '--json'], {
        env: { ZW_API_KEY: envA.ZW_API_KEY ?? '' },
      });
      expect(parseJson<{ status: string }>(lost.stdout).status).toBe('unknown');
      await delay(1100);
      const reconcile = await runCli(home.home, ['reconcile', '--profile', 'b', '--json'], {
        env: { ZW_API_KEY: envA.ZW_API_KEY ?? '', AIRTIME_RESEND_SETTLE_MS: '0' },
      });
      expect(reconcile.code).toBe(0);
      expect(parseJson<{ resolved: number }>(reconcile.stdout).resolved).toBe(1);
      expect([...other.requestCounts.keys()].filter((route) => route.includes('/orders'))).toEqual([]);
      expect(sim.zw.gateway.sendCounts().get('lost-a')).toBe(1);
    } finally {
      await other.close();
    }
  });
});
