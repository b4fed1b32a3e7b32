import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { parseJson, runCli, tempHome, type CliResult } from '../helpers/cli.js';
import { writeZwPayouts } from '../helpers/files.js';
import { asSuperuser, createOperator, freshDatabase, pgUrl } from '../helpers/pg.js';
import { simEnv, startTestSim } from '../helpers/sim.js';

/**
 * An actor is a person (invariant 10): in team mode every event, batch and approval names the login the
 * server authenticated (`session_user`), and nothing is written while another role is set over it. Each way
 * of changing who you are is tried, through the CLI and straight at the database.
 */
describe('team mode: an actor is the login, never a role switched to', () => {
  let homes: ReturnType<typeof tempHome>[];
  let sim: RunningSimServer;
  let database: string;
  let ownerUrl: string;

  const home = () => {
    const made = tempHome();
    homes.push(made);
    return made.home;
  };
  const cli = (where: string, url: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli(where, args, { env: { ...simEnv(sim.url), AIRTIME_JOURNAL_URL: url, AIRTIME_PROVIDER: 'zw', ...env }, timeoutMs: 60_000 });
  const charged = () => [...sim.zw.gateway.sendCounts().values()];
  /** A URL that sets a role over the login, as `psql "options=-c role=…"` does. */
  const withRole = (url: string, role: string) => {
    const parsed = new URL(url);
    parsed.searchParams.set('options', `-c role=${role}`);
    return parsed.toString();
  };
  /** Runs SQL as a login on its own connection; returns the error message, or undefined when it went through. */
  const tryAs = async (url: string, statements: string[]): Promise<string | undefined> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end();
    }
  };
  /** A batch above the threshold, planned by `who`: journaled and held for approval. */
  const planHeld = async (where: string, url: string): Promise<string> => {
    expect((await cli(home(), ownerUrl, ['policy', 'set', 'approvals.above', '50 USD'])).code).toBe(0);
    const planned = await cli(where, url, ['bulk', writeZwPayouts(where, 60).path, '--yes']);
    expect(planned.code).toBe(5);
    return /approve (b_\w+)/.exec(planned.stderr)?.[1] ?? '';
  };
  const approvalsOf = async (batch: string) =>
    (await asSuperuser<{ actor: string }>(database, `SELECT actor FROM events WHERE batch_id = $1 AND kind = 'approval' ORDER BY id`, [batch])).map(
      (row) => row.actor,
    );

  beforeEach(async () => {
    homes = [];
    sim = await startTestSim();
    ({ name: database, url: ownerUrl } = await freshDatabase('actors'));
    expect((await cli(home(), ownerUrl, ['whoami'])).stdout.trim()).toBe('postgres');
  });
  afterEach(async () => {
    await sim.close();
    for (const made of homes) made.cleanup();
  });

  it('options=-c role=airtime_operator in the URL: whoami names the login, approving her own batch and resuming it are refused, nothing is paid', async () => {
    const alice = await createOperator(database, 'alice');
    const aliceHome = home();
    const batch = await planHeld(aliceHome, pgUrl(database, alice));
    const disguised = withRole(pgUrl(database, alice), 'airtime_operator');

    const who = await cli(aliceHome, disguised, ['whoami']);
    expect(who.stdout.trim()).toBe(alice);
    expect(who.code).toBe(4);
    expect(who.stderr).toContain(`you logged in as ${alice} but act as role airtime_operator`);

    const approved = await cli(aliceHome, disguised, ['approve', batch, '--yes']);
    expect(approved.code).toBe(4);
    expect(approved.stderr).toMatch(new RegExp(`as ${alice} but act as role airtime_operator .*refuses writes under another role`));
    expect(approved.stderr).not.toMatch(/\n\s+at /);
    expect(await approvalsOf(batch)).toEqual([]);

    const resumed = await cli(aliceHome, disguised, ['bulk', '--resume', batch, '--yes']);
    expect(resumed.code).toBe(4);
    expect(charged()).toHaveLength(0);
    // The same through libpq's environment variable, and logging in as the group role itself.
    const viaEnv = await cli(aliceHome, pgUrl(database, alice), ['approve', batch, '--yes'], { PGOPTIONS: '-c role=airtime_operator' });
    expect(viaEnv.code).toBe(4);
    expect(viaEnv.stderr).toMatch(/act as role airtime_operator/);
    const asGroup = await cli(aliceHome, pgUrl(database, 'airtime_operator'), ['approve', batch, '--yes']);
    expect(asGroup.code).toBe(4);
    expect(asGroup.stderr).toMatch(/not permitted to log in/);
    // Her own login still cannot approve her own batch.
    expect((await cli(aliceHome, pgUrl(database, alice), ['approve', batch, '--yes'])).code).toBe(1);
    expect(await approvalsOf(batch)).toEqual([]);
    expect((await cli(aliceHome, pgUrl(database, alice), ['audit', 'verify'])).code).toBe(0);
  });

  it('SET ROLE straight at the database: every write is refused while another role is set, whatever the event names', async () => {
    const alice = await createOperator(database, 'alice');
    const batch = await planHeld(home(), pgUrl(database, alice));
    const event = (actor: string) =>
      `INSERT INTO events (id, batch_id, kind, payload, actor, created_at, prev_hash, hash) VALUES (9000, '${batch}', 'approval', '{}', '${actor}', 'x', 'x', 'x')`;
    const asAlice = pgUrl(database, alice);
    for (const actor of ['airtime_operator', alice]) {
      expect(await tryAs(asAlice, ['SET ROLE airtime_operator', event(actor)])).toMatch(
        new RegExp(`written only as the login that authenticated \\(${alice}\\), not as role airtime_operator`),
      );
    }
    for (const sql of [
      `UPDATE transfers SET status = 'sending' WHERE batch_id = '${batch}'`,
      `UPDATE batches SET state = 'approved' WHERE id = '${batch}'`,
      `DELETE FROM leases`,
      `UPDATE chain SET count = count`,
    ]) {
      expect(await tryAs(asAlice, ['SET ROLE airtime_operator', sql])).toMatch(/written only as the login that authenticated/);
    }
    // As herself, she still cannot name anyone else.
    expect(await tryAs(asAlice, [event('airtime_operator')])).toMatch(new RegExp(`must name ${alice} as its actor`));
    expect(await approvalsOf(batch)).toEqual([]);

    // A role default she may set on herself (ALTER ROLE … SET role) switches every later session: the same refusal.
    expect(await tryAs(asAlice, [`ALTER ROLE ${alice} SET role = 'airtime_operator'`])).toBeUndefined();
    const who = await cli(home(), asAlice, ['whoami']);
    expect([who.stdout.trim(), who.code]).toEqual([alice, 4]);
    const approved = await cli(home(), asAlice, ['approve', batch, '--yes']);
    expect(approved.code).toBe(4);
    expect(approved.stderr).toMatch(/act as role airtime_operator/);
    expect(await approvalsOf(batch)).toEqual([]);
  });

  it('SET SESSION AUTHORIZATION: an operator may not (the server refuses it, in a session or in the URL); a superuser switching to a group role writes nothing', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const batch = await planHeld(home(), pgUrl(database, alice));
    expect(await tryAs(pgUrl(database, alice), [`SET SESSION AUTHORIZATION ${bob}`])).toMatch(/permission denied/);
    const viaUrl = new URL(pgUrl(database, alice));
    viaUrl.searchParams.set('options', `-c session_authorization=${bob}`);
    const refused = await cli(home(), viaUrl.toString(), ['approve', batch, '--yes']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/permission denied/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    // Only a superuser can switch the session itself, and then becomes that role outright — but a group role never writes.
    const owner = new URL(ownerUrl);
    expect(
      await tryAs(owner.toString(), [
        'SET SESSION AUTHORIZATION airtime_operator',
        `INSERT INTO events (id, batch_id, kind, payload, actor, created_at, prev_hash, hash) VALUES (9001, '${batch}', 'approval', '{}', 'airtime_operator', 'x', 'x', 'x')`,
      ]),
    ).toMatch(/airtime_operator is a group role \(it cannot log in\)/);
    expect(await approvalsOf(batch)).toEqual([]);
  });

  it('an approval a group role holds from before this version does not count: the batch still waits, nothing is paid', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const aliceHome = home();
    expect((await cli(home(), ownerUrl, ['policy', 'set', 'approvals.count', '2'])).code).toBe(0);
    const batch = await planHeld(aliceHome, pgUrl(database, alice));
    expect((await cli(home(), pgUrl(database, bob), ['approve', batch, '--yes'])).code).toBe(0);
    // The old hole as a journal may already hold it: the same approval written as airtime_operator (put here around the triggers).
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(
        `INSERT INTO events (id, batch_id, kind, payload, actor, created_at, prev_hash, hash)
         SELECT (SELECT max(id) + 1 FROM events), batch_id, kind, payload, 'airtime_operator', created_at, prev_hash, hash FROM events WHERE batch_id = $1 AND kind = 'approval'`,
        [batch],
      );
    } finally {
      await client.end();
    }
    expect(await approvalsOf(batch)).toEqual([bob, 'airtime_operator']);
    const resumed = await cli(aliceHome, pgUrl(database, alice), ['bulk', '--resume', batch, '--yes']);
    expect(resumed.code).toBe(5);
    expect(resumed.stderr).toMatch(/approv/);
    expect(charged()).toHaveLength(0);
  });

  it('a batch a group role planned (as an earlier release could record it) cannot be approved by anyone', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const batch = await planHeld(home(), pgUrl(database, alice));
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(`UPDATE events SET actor = 'airtime_operator' WHERE batch_id = $1 AND kind = 'batch-created'`, [batch]);
    } finally {
      await client.end();
    }
    const approved = await cli(home(), pgUrl(database, bob), ['approve', batch, '--yes']);
    expect(approved.code).toBe(1);
    expect(approved.stderr).toContain(`batch ${batch} was planned under the group role airtime_operator, not by a person`);
    expect(await approvalsOf(batch)).toEqual([]);
    expect(charged()).toHaveLength(0);
  });

  it('a second login the same person owns is a second person to the database: both names stand in the audit trail', async () => {
    const alice = await createOperator(database, 'alice');
    const aliceToo = await createOperator(database, 'alice_again');
    const aliceHome = home();
    const batch = await planHeld(aliceHome, pgUrl(database, alice));
    // Nothing in PostgreSQL ties two logins to one human: this approval counts. What we can do is name both.
    const approved = await cli(aliceHome, pgUrl(database, aliceToo), ['approve', batch, '--yes']);
    expect(approved.code).toBe(0);
    const exported = parseJson<{ actor: string; what: string }[]>(
      (await cli(aliceHome, pgUrl(database, alice), ['audit', 'export', '--batch', batch, '--format', 'json'])).stdout,
    );
    expect(exported.find((event) => event.what === 'planned')?.actor).toBe(alice);
    expect(exported.find((event) => event.what === 'approved')?.actor).toBe(aliceToo);
  });

  it('policy set through the same tricks: an admin login under a switched role is refused; an operator cannot switch to airtime_admin at all', async () => {
    const admin = await createOperator(database, 'carol', { admin: true });
    const alice = await createOperator(database, 'alice');
    const where = home();
    const switched = await cli(where, withRole(pgUrl(database, admin), 'airtime_admin'), ['policy', 'set', 'approvals.above', '1000 USD']);
    expect(switched.code).toBe(4);
    expect(switched.stderr).toMatch(/act as role airtime_admin/);
    const climbing = await cli(where, withRole(pgUrl(database, alice), 'airtime_admin'), ['policy', 'set', 'approvals.above', '1000 USD']);
    expect(climbing.code).toBe(4);
    expect(climbing.stderr).toMatch(/permission denied to set role "airtime_admin"/);
    // At the database: SET ROLE by an admin login is refused too, and a plain operator may not write the policy.
    expect(
      await tryAs(pgUrl(database, admin), ['SET ROLE airtime_admin', `INSERT INTO policy (key, value, updated_by, updated_at) VALUES ('x', 'y', 'z', 'w')`]),
    ).toMatch(/written only as the login that authenticated/);
    expect(await tryAs(pgUrl(database, alice), [`INSERT INTO policy (key, value, updated_by, updated_at) VALUES ('x', 'y', 'z', 'w')`])).toMatch(
      /permission denied|only members of airtime_admin/,
    );
    // As herself, the admin sets it, and the policy names her login.
    expect((await cli(where, pgUrl(database, admin), ['policy', 'set', 'approvals.above', '1000 USD'])).code).toBe(0);
    expect((await asSuperuser<{ updated_by: string }>(database, `SELECT DISTINCT updated_by FROM policy`)).map((row) => row.updated_by)).toEqual([admin]);
  });
  it('a batch row written by hand naming another planner: the database refuses it, and one smuggled in anyway is never approvable', async () => {
    const alice = await createOperator(database, 'alice');
    const bob = await createOperator(database, 'bob');
    const aliceHome = home();
    const aliceUrl = pgUrl(database, alice);
    const held = await planHeld(aliceHome, aliceUrl);
    // Hostile test: alice wrote the row of her next file's batch naming bob as its planner, completed it with her
    // own bulk, approved it herself and paid it.
    const next = writeZwPayouts(aliceHome, 61, '1', 'next.csv').path;
    const id = parseJson<{ batch: string }>((await cli(aliceHome, aliceUrl, ['bulk', next, '--dry-run', '--json'])).stdout).batch;
    const forge = (by: string) =>
      `INSERT INTO batches (id, account, provider, profile, file_name, file_path, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
       SELECT '${id}', account, provider, profile, 'next.csv', NULL, 'x', 'forged', 61, 61, 0, 0, 0, '{"USD":6100}', 'open', '${by}', created_at, updated_at
       FROM batches WHERE id = '${held}'`;
    expect(await tryAs(aliceUrl, [forge(bob)])).toContain(`must name ${alice} as its planner, not ${bob}`);
    // One that got past the database anyway (a superuser's import, an edited SQLite file) has no creation event: no planner to trust.
    await asSuperuser(database, `SET airtime.import = 'on'; ${forge(bob)}`);
    const completed = await cli(aliceHome, aliceUrl, ['bulk', next, '--yes']);
    expect(completed.code, completed.stderr).toBe(5);
    const approve = await cli(aliceHome, aliceUrl, ['approve', id, '--yes']);
    expect(approve.code, approve.stderr).toBe(1);
    expect(approve.stderr).toContain(`${id} has no creation event in the audit chain`);
    expect(await approvalsOf(id)).toEqual([]);
    expect((await cli(aliceHome, aliceUrl, ['bulk', '--resume', id, '--yes'])).code).toBe(5);
    const verify = await cli(home(), ownerUrl, ['audit', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout + verify.stderr).toContain(`batch ${id} has no creation event in the chain (it names ${bob} as its planner)`);
    expect(charged()).toEqual([]);
  });
});
