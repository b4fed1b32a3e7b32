import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { writePayouts, writeZwPayouts } from '../helpers/files.js';
import { asSuperuser, createOperator, freshDatabase, pgUrl } from '../helpers/pg.js';
import { startCli } from '../helpers/process.js';
import { simEnv, startTestSim } from '../helpers/sim.js';
import type { RunningSimServer } from '../../src/sim/server.js';
import { postgresMigrations } from '../../src/journal/postgres-migrations.js';

/**
 * Team mode as operators meet it: several CLIs, each with its own AIRTIME_HOME (its own machine), sharing one
 * PostgreSQL journal on a throwaway server (test/setup/postgres.ts), paying through one zw simulator.
 */
/** Whether a process is stopped (SIGSTOP): state `T` in /proc/PID/stat. */
const isStopped = (pid: number): boolean => {
  try {
    return / T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('team mode: one PostgreSQL journal shared by several operators', () => {
  let homes: ReturnType<typeof tempHome>[];
  let sim: RunningSimServer;
  let database: string;
  let ownerUrl: string;

  const home = () => {
    const made = tempHome();
    homes.push(made);
    return made.home;
  };
  /** The CLI as an operator on their own machine: the shared journal, the simulator, zw. */
  const cli = (where: string, url: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> =>
    runCli(where, [...args], { env: { ...simEnv(sim.url), AIRTIME_JOURNAL_URL: url, AIRTIME_PROVIDER: 'zw', ...env }, timeoutMs });
  const charged = () => [...sim.zw.gateway.sendCounts().values()];

  beforeEach(async () => {
    homes = [];
    sim = await startTestSim();
    ({ name: database, url: ownerUrl } = await freshDatabase('team'));
    // The first use (by the database's owner) creates the schema and the airtime_operator/airtime_admin roles.
    expect((await cli(home(), ownerUrl, ['whoami'])).stdout.trim()).toBe('postgres');
  });
  afterEach(async () => {
    await sim.close();
    for (const made of homes) made.cleanup();
  });

  it('two machines run the same file at the same moment: every row is charged once', async () => {
    const rows = 200;
    const [a, b] = [home(), home()];
    const fileA = writeZwPayouts(a, rows).path;
    const fileB = writeZwPayouts(b, rows).path;
    const [first, second] = await Promise.all([
      cli(a, ownerUrl, ['bulk', fileA, '--yes', '--json', '--concurrency', '4']),
      cli(b, ownerUrl, ['bulk', fileB, '--yes', '--json', '--concurrency', '4']),
    ]);
    for (const run of [first, second]) expect(run.stderr).not.toMatch(/unexpected/);
    // One ran the batch; the other either found it run already or was told who runs it.
    expect([first.code, second.code]).toContain(0);
    for (const run of [first, second]) if (run.code !== 0) expect(run.stderr).toMatch(/is being run by pid \d+/);
    const counts = charged();
    expect(counts).toHaveLength(rows);
    expect(Math.max(...counts)).toBe(1);
    const status = parseJson<{ transfers: { status: string }[] }>((await cli(a, ownerUrl, ['status', '--limit', '1000', '--json'])).stdout);
    expect(status.transfers).toHaveLength(rows);
    expect((await cli(b, ownerUrl, ['audit', 'verify'])).code).toBe(0);
  });

  it('a kill -9 of one machine mid-run: the other takes the lease over and every row is charged once', async () => {
    const rows = 300;
    const [a, b] = [home(), home()];
    const fileA = writeZwPayouts(a, rows).path;
    sim.setFaults({ latencyMs: 5 });
    const victim = startCli(a, ['bulk', fileA, '--yes', '--concurrency', '2'], {
      ...simEnv(sim.url),
      AIRTIME_JOURNAL_URL: ownerUrl,
      AIRTIME_PROVIDER: 'zw',
    });
    const deadline = Date.now() + 30_000;
    while (sim.zw.gateway.sendCounts().size < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sim.zw.gateway.sendCounts().size).toBeGreaterThanOrEqual(40);
    expect(await victim.stop('SIGKILL')).toBeNull();
    expect(charged().length).toBeLessThan(rows);
    sim.setFaults({ latencyMs: 0 });

    const survivor = await cli(b, ownerUrl, ['bulk', writeZwPayouts(b, rows).path, '--yes', '--json'], { AIRTIME_RESEND_SETTLE_MS: '0' });
    expect(survivor.stderr).toMatch(/took over batch b_\w+ from a run that stopped answering/);
    expect(survivor.code).toBe(0);
    const counts = charged();
    expect(counts).toHaveLength(rows);
    expect(Math.max(...counts)).toBe(1);
    expect((await cli(b, ownerUrl, ['audit', 'verify'])).code).toBe(0);
  });

  // A 150-row run makes about nine write transactions (the rows, their completeness, the lease and plan, the
  // claims, the answers, the end); from the 7th on, answers had come back. A kill inside one rolls it back whole.
  it.each([1, 3, 5, 7])('a kill -9 inside write transaction %i: the rerun charges every row once, the chain intact', async (pass) => {
    const rows = 150;
    const a = home();
    const file = writeZwPayouts(a, rows).path;
    const killed = await cli(a, ownerUrl, ['bulk', file, '--yes', '--concurrency', '2'], { AIRTIME_FAILPOINT: `inside-write:${pass}` });
    expect(killed.signal).toBe('SIGKILL');
    let rerun = await cli(a, ownerUrl, ['bulk', file, '--yes', '--json'], { AIRTIME_RESEND_SETTLE_MS: '0' });
    for (let round = 0; round < 5 && rerun.code !== 0; round += 1) {
      rerun = await cli(a, ownerUrl, ['bulk', file, '--yes', '--json'], { AIRTIME_RESEND_SETTLE_MS: '0' });
    }
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).not.toMatch(/unexpected/);
    const counts = charged();
    expect(counts).toHaveLength(rows);
    expect(Math.max(...counts)).toBe(1);
    expect((await cli(a, ownerUrl, ['audit', 'verify'])).code).toBe(0);
  });

  it('a machine stopped inside a write does not stop the team: the server ends its transaction, others write, and it fails cleanly when it wakes', async () => {
    const [a, b] = [home(), home()];
    const idle = { AIRTIME_PG_IDLE_IN_TRANSACTION_MS: '1500' };
    // Stopped (as by Ctrl-Z or a closed laptop) inside its first write transaction, holding the team's write lock.
    const sleeper = startCli(a, ['send', '+263772000401', '1', '--key', 'stopped-1', '--yes'], {
      ...simEnv(sim.url),
      AIRTIME_JOURNAL_URL: ownerUrl,
      AIRTIME_PROVIDER: 'zw',
      AIRTIME_FAILPOINT: 'inside-write:1:stop',
      ...idle,
    });
    const woke = new Promise<number | null>((resolve) => sleeper.child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!isStopped(sleeper.child.pid ?? 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(isStopped(sleeper.child.pid ?? 0)).toBe(true);
      const other = await cli(b, ownerUrl, ['send', '+263772000402', '1', '--key', 'other-1', '--yes'], idle, 30_000);
      expect(other.code, other.stderr).toBe(0);
      sleeper.child.kill('SIGCONT');
      expect(await woke).toBe(1);
      expect(sleeper.stderr()).toMatch(/^error: the journal at .* stopped answering \(.*\): nothing more is sent/m);
      expect(sleeper.stderr()).not.toMatch(/unexpected|this is a bug|\n\s+at .+:\d+:\d+/);
    } finally {
      sleeper.child.kill('SIGKILL');
    }
    expect(sim.zw.gateway.sendCounts().get('stopped-1')).toBeUndefined();
    // Run again, it pays once.
    expect((await cli(a, ownerUrl, ['send', '+263772000401', '1', '--key', 'stopped-1', '--yes'])).code).toBe(0);
    expect(Object.fromEntries(sim.zw.gateway.sendCounts())).toEqual({ 'stopped-1': 1, 'other-1': 1 });
    expect((await cli(b, ownerUrl, ['audit', 'verify'])).code).toBe(0);
  });

  it('a batch above the threshold waits for a second operator: not sent before, not approvable by its planner, sent after', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const [aliceHome, bobHome, adminHome] = [home(), home(), home()];
    const asAlice = pgUrl(database, alice);
    const asBob = pgUrl(database, bob);

    // Only an admin sets the policy.
    const refused = await cli(aliceHome, asAlice, ['policy', 'set', 'approvals.above', '50 USD']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/only members of airtime_admin/);
    expect((await cli(adminHome, ownerUrl, ['policy', 'set', 'approvals.above', '50 USD'])).code).toBe(0);
    expect((await cli(bobHome, asBob, ['policy', 'show'])).stdout).toContain('approvals.above.USD: 50.00 USD');

    const file = writeZwPayouts(aliceHome, 60).path; // 60 USD
    const planned = await cli(aliceHome, asAlice, ['bulk', file, '--yes']);
    expect(planned.code).toBe(5);
    const batch = /approve (b_\w+)/.exec(planned.stderr)?.[1] ?? '';
    expect(planned.stderr).toContain(`awaiting approval: ask another operator to run 'airtime approve ${batch}'`);
    expect(charged()).toHaveLength(0);

    // Resuming before approval sends nothing either.
    expect((await cli(aliceHome, asAlice, ['bulk', '--resume', batch, '--yes'])).code).toBe(5);
    expect(charged()).toHaveLength(0);

    const own = await cli(aliceHome, asAlice, ['approve', batch, '--yes']);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain(`you (${alice}) planned batch ${batch}: another operator must approve it`);

    const approved = await cli(bobHome, asBob, ['approve', batch, '--yes', '--json']);
    expect(approved.code).toBe(0);
    expect(parseJson<{ approval: { approvedBy: string[]; satisfied: boolean } }>(approved.stdout).approval).toMatchObject({
      approvedBy: [bob],
      satisfied: true,
    });

    const sent = await cli(aliceHome, asAlice, ['bulk', '--resume', batch, '--yes', '--json']);
    expect(sent.code).toBe(0);
    expect(charged()).toHaveLength(60);

    // The trail names who planned, who approved and who sent, as the database authenticated them.
    const exported = await cli(bobHome, asBob, ['audit', 'export', '--batch', batch, '--format', 'json']);
    const events = parseJson<{ actor: string; what: string }[]>(exported.stdout);
    expect(events.find((event) => event.what === 'planned')?.actor).toBe(alice);
    expect(events.find((event) => event.what === 'approved')?.actor).toBe(bob);
    expect(events.filter((event) => event.what === 'sent').every((event) => event.actor === alice)).toBe(true);
    expect(events.filter((event) => event.what === 'provider answered')).toHaveLength(60);
  });

  it('what was planned stays what it was: an operator cannot edit a held batch under the threshold, grow it, or reopen a rejection', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const [aliceHome, bobHome] = [home(), home()];
    const asAlice = pgUrl(database, alice);
    const asBob = pgUrl(database, bob);
    expect((await cli(home(), ownerUrl, ['policy', 'set', 'approvals.above', '50 USD'])).code).toBe(0);
    const file = writeZwPayouts(aliceHome, 60).path; // 60 USD
    const dry = await cli(aliceHome, asAlice, ['bulk', file, '--dry-run']);
    expect(dry.code).toBe(5); // as the real run below: held for approval
    expect(dry.stderr).toMatch(
      /the real run would journal it and wait for approval \(60\.00 USD is above 50\.00 USD\): 1 more operator other than its planner must then run 'airtime approve b_\w+'/,
    );
    const planned = await cli(aliceHome, asAlice, ['bulk', file, '--yes']);
    expect(planned.code).toBe(5);
    const batch = /approve (b_\w+)/.exec(planned.stderr)?.[1] ?? '';

    // Alice, a plain operator, tries the journal's tables directly: the database refuses each edit.
    const edits = [
      `UPDATE batches SET totals = '{"USD":100}' WHERE id = '${batch}'`,
      `UPDATE transfers SET amount_minor = 1 WHERE batch_id = '${batch}'`,
      `UPDATE transfers SET phone = '+263772999999' WHERE batch_id = '${batch}'`,
      `INSERT INTO transfers (account, reference, provider, profile, phone, amount_minor, currency, status, batch_id, line, created_at, updated_at)
         SELECT account, 'extra-row', provider, profile, '+263772999998', 100, 'USD', 'queued', id, 999, created_at, updated_at FROM batches WHERE id = '${batch}'`,
    ];
    for (const sql of edits) {
      const client = new pg.Client({ connectionString: asAlice });
      await client.connect();
      try {
        await expect(client.query(sql)).rejects.toThrow(/was planned as it is|was journaled as it is|is whole: no row may join it/);
      } finally {
        await client.end();
      }
    }
    expect((await cli(aliceHome, asAlice, ['bulk', '--resume', batch, '--yes'])).code).toBe(5);
    expect(charged()).toHaveLength(0);

    // Rejected is final: resuming says so and fails, and the state cannot be flipped back.
    expect((await cli(bobHome, asBob, ['reject', batch, '--note', 'wrong month', '--yes'])).code).toBe(0);
    const resumed = await cli(aliceHome, asAlice, ['bulk', '--resume', batch, '--yes']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`batch ${batch} (zw.csv) was rejected by ${bob} ("wrong month"): it is never sent; nothing was sent`);
    const listed = await cli(aliceHome, asAlice, ['batches', '--json']);
    expect(parseJson<{ batches: { batch: string; state: string }[] }>(listed.stdout).batches.find((entry) => entry.batch === batch)?.state).toBe('rejected');
    const asHerself = new pg.Client({ connectionString: asAlice });
    await asHerself.connect();
    try {
      await expect(asHerself.query(`UPDATE batches SET state = 'awaiting-approval' WHERE id = '${batch}'`)).rejects.toThrow(/was rejected: that is final/);
    } finally {
      await asHerself.end();
    }
    expect(charged()).toHaveLength(0);
    expect((await cli(bobHome, asBob, ['audit', 'verify'])).code).toBe(0);
  });

  it('a journal this airtime must upgrade: an operator is told its owner must run airtime once, and is let in after', async () => {
    const alice = await createOperator(database, 'alice');
    // Back to version 3, as a journal made by the previous release is.
    await asSuperuser(
      database,
      `DROP TRIGGER batches_planner ON batches; DROP FUNCTION airtime_batch_planner();
       DROP TRIGGER accounts_writer ON accounts; DROP TRIGGER transfers_writer ON transfers; DROP TRIGGER chain_writer ON chain;
       DROP TRIGGER leases_writer ON leases; DROP TRIGGER events_writer ON events; DROP TRIGGER batches_writer ON batches;
       DROP TRIGGER policy_writer ON policy; DROP FUNCTION airtime_no_switched_role(); DROP FUNCTION airtime_actor_is_person();
       DROP INDEX transfers_by_phone_attempt; DROP INDEX transfers_by_provider_ref; DROP INDEX transfers_by_attempt_id; DROP INDEX transfers_by_status_id;
       CREATE INDEX transfers_by_provider_reference ON transfers (provider, provider_reference); CREATE INDEX transfers_by_attempt ON transfers (last_attempt_at);
       CREATE INDEX transfers_by_status ON transfers (status); ALTER TABLE leases DROP COLUMN started;
       DELETE FROM airtime_schema WHERE version >= 4`,
    );
    const refused = await cli(home(), pgUrl(database, alice), ['whoami']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`is at schema version 3 and this airtime needs version ${postgresMigrations.length}: its owner must upgrade it first`);
    expect((await cli(home(), ownerUrl, ['whoami'])).code).toBe(0);
    expect((await cli(home(), pgUrl(database, alice), ['whoami'])).stdout.trim()).toBe(alice);
  });

  it('a role that may not use the journal, and an SSL mode the server does not offer: one line each, exit 4', async () => {
    const mallory = `mallory_${Date.now().toString(36)}`;
    await asSuperuser(database, `CREATE ROLE ${mallory} LOGIN`);
    const refused = await cli(home(), pgUrl(database, mallory), ['whoami']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^error: the journal at .* refused: permission denied for table airtime_schema\nhint: .*GRANT airtime_operator TO <role>/);
    const ssl = await cli(home(), `${ownerUrl}?sslmode=bogus`, ['status']);
    expect(ssl.code).toBe(4);
    expect(ssl.stderr).toMatch(/^error: the journal at .* and airtime could not agree on SSL \(sslmode=bogus\)/m);
    for (const run of [refused, ssl]) expect(run.stderr).not.toMatch(/unexpected|this is a bug|\n\s+at .+:\d+:\d+/);
  });

  it('a single send above the threshold is a one-row batch: approved by another operator, then sent with its key; a rejected batch is never sent', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const [aliceHome, bobHome] = [home(), home()];
    const [asAlice, asBob] = [pgUrl(database, alice), pgUrl(database, bob)];
    expect((await cli(home(), ownerUrl, ['policy', 'set', 'approvals.above', '20 USD'])).code).toBe(0);

    const held = await cli(aliceHome, asAlice, ['send', '+263772000105', '25', '--currency', 'USD', '--key', 'bonus-1', '--yes']);
    expect(held.code).toBe(5);
    const batch = /approve (b_\w+)/.exec(held.stderr)?.[1] ?? '';
    expect(charged()).toHaveLength(0);
    expect((await cli(bobHome, asBob, ['approve', batch, '--yes'])).code).toBe(0);
    const sent = await cli(aliceHome, asAlice, ['send', '+263772000105', '25', '--currency', 'USD', '--key', 'bonus-1', '--yes', '--json']);
    expect(sent.code).toBe(0);
    expect(charged()).toEqual([1]);

    const file = writeZwPayouts(aliceHome, 30).path;
    const planned = await cli(aliceHome, asAlice, ['bulk', file, '--yes']);
    const second = /approve (b_\w+)/.exec(planned.stderr)?.[1] ?? '';
    const rejected = await cli(bobHome, asBob, ['reject', second, '--note', 'wrong list', '--yes']);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toContain('30 rows cancelled');
    expect((await cli(bobHome, asBob, ['approve', second, '--yes'])).code).toBe(1);
    const resumed = await cli(aliceHome, asAlice, ['bulk', '--resume', second, '--yes']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`was rejected by ${bob} ("wrong list"): it is never sent`);
    expect(charged()).toEqual([1]);

    // The paid send cannot be made payable again by hand: a status moves only along the state machine.
    const client = new pg.Client({ connectionString: asAlice });
    await client.connect();
    try {
      await expect(client.query(`UPDATE transfers SET status = 'queued' WHERE reference = 'bonus-1'`)).rejects.toThrow(
        /transfer bonus-1 cannot move from (submitted|delivered) to queued/,
      );
    } finally {
      await client.end();
    }
    expect((await cli(aliceHome, asAlice, ['bulk', '--resume', batch, '--yes'])).code).toBe(0);
    expect(charged()).toEqual([1]);

    // A rejected single send, run again with its key: refused, naming who and why (it said "already sent", exit 0).
    const other = await cli(aliceHome, asAlice, ['send', '+263772000106', '26', '--currency', 'USD', '--key', 'bonus-2', '--yes']);
    expect(other.code).toBe(5);
    const otherBatch = /approve (b_\w+)/.exec(other.stderr)?.[1] ?? '';
    expect((await cli(bobHome, asBob, ['reject', otherBatch, '--note', 'no way', '--yes'])).code).toBe(0);
    const again = await cli(aliceHome, asAlice, ['send', '+263772000106', '26', '--currency', 'USD', '--key', 'bonus-2', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`key bonus-2 was rejected by ${bob} ("no way"): it is never sent; nothing was sent`);
    expect(charged()).toEqual([1]);
  });

  it('audit verify names the first edited event, and the database refuses edits and forged writers', async () => {
    const where = home();
    const { path } = writePayouts(where, 3);
    expect((await runCli(where, ['bulk', path, '--yes'], { env: { AIRTIME_JOURNAL_URL: ownerUrl } })).code).toBe(0);
    expect((await runCli(where, ['audit', 'verify'], { env: { AIRTIME_JOURNAL_URL: ownerUrl } })).code).toBe(0);

    await expect(asSuperuser(database, `UPDATE events SET actor = 'mallory' WHERE id = 3`)).rejects.toThrow(/append-only/);
    const mallory = await createOperator(database, 'mallory');
    const forger = new pg.Client({ connectionString: pgUrl(database, mallory) });
    await forger.connect();
    try {
      await expect(
        forger.query(`INSERT INTO events (id, kind, actor, created_at, prev_hash, hash) VALUES (1000, 'forged', 'postgres', 'x', 'x', 'x')`),
      ).rejects.toThrow(/must name .* as its actor/);
    } finally {
      await forger.end();
    }

    // Someone with the server's keys goes around the triggers and edits history.
    await asSuperuser(database, `SET session_replication_role = replica; UPDATE events SET payload = '{"rows":2}' WHERE id = 3`);
    const broken = await runCli(where, ['audit', 'verify'], { env: { AIRTIME_JOURNAL_URL: ownerUrl } });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/event 3 \(.*\) was changed after it was written/);
  });

  it('journal migrate copies a SQLite journal into PostgreSQL, verified, and again without duplicating anything', async () => {
    const where = home();
    const { path } = writePayouts(where, 5);
    expect((await runCli(where, ['bulk', path, '--yes'])).code).toBe(0);
    expect((await runCli(where, ['send', '+254711000995', '10', '--yes'])).code).toBe(0);
    const password = 'pw-Secr3t-9';
    const target = pgUrl(database, 'postgres', password);
    const first = await runCli(where, ['journal', 'migrate', '--to', target]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/copied and verified: 1 accounts, 1 batches, 6 transfers, \d+ events/);
    const again = await runCli(where, ['journal', 'migrate', '--to', target, '--json']);
    expect(again.code).toBe(0);
    expect(parseJson<{ counts: { transfers: number }; eventsAlreadyThere: number }>(again.stdout)).toMatchObject({ counts: { transfers: 6 } });
    expect(parseJson<{ eventsAlreadyThere: number }>(again.stdout).eventsAlreadyThere).toBeGreaterThan(0);
    for (const run of [first, again]) expect(run.stdout + run.stderr).not.toContain(password);

    const shared = await runCli(home(), ['status', '--json'], { env: { AIRTIME_JOURNAL_URL: ownerUrl } });
    expect(parseJson<{ transfers: unknown[] }>(shared.stdout).transfers).toHaveLength(6);
    expect((await runCli(home(), ['audit', 'verify'], { env: { AIRTIME_JOURNAL_URL: ownerUrl } })).code).toBe(0);
  });

  it('keeps the journal password secret: set, shown, and in errors', async () => {
    const where = home();
    const password = 'hunter2-Very-Secret';
    const url = pgUrl(database, 'postgres', password);
    const set = await runCli(where, ['config', 'set', 'journal', url]);
    expect(set.code).toBe(0);
    const shown = await runCli(where, ['config', 'get', 'journal']);
    expect(shown.stdout).toContain('postgres:••••@');
    const who = await runCli(where, ['whoami', '--json']);
    expect(parseJson<{ actor: string; journal: { kind: string } }>(who.stdout)).toMatchObject({ actor: 'postgres', journal: { kind: 'postgres' } });
    const unreachable = await runCli(where, ['status'], { env: { AIRTIME_JOURNAL_URL: `postgres://postgres:${password}@127.0.0.1:1/nowhere` } });
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('cannot reach the journal at postgres://postgres:••••@127.0.0.1:1/nowhere');
    for (const run of [set, shown, who, unreachable, await runCli(where, ['config', 'list', '--json'])])
      expect(run.stdout + run.stderr).not.toContain(password);
  });
});
