import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAccount } from '../../src/core/account.js';
import type { Batch } from '../../src/journal/batch.js';
import type { Journal } from '../../src/journal/journal.js';
import { openPostgresJournal, openSqliteJournal } from '../../src/journal/open.js';
import { postgresMigrations } from '../../src/journal/postgres-migrations.js';
import { tempHome } from '../helpers/cli.js';
import { approvalState, approveBatch } from '../../src/transfers/approvals.js';
import { policyChange } from '../../src/transfers/policy.js';
import { asSuperuser, freshDatabase } from '../helpers/pg.js';

const account = makeAccount('sandbox', 'default', 'embedded', null);
const transfer = {
  account: account.id,
  reference: 'k1',
  provider: 'sandbox',
  profile: 'default',
  phone: '+254711000100',
  amountMinor: 10000,
  currency: 'KES',
} as const;

/** Each store: how to make a journal for one test, and how to open a second connection to the same one. */
const stores: [string, (home: string) => Promise<() => Journal>][] = [
  ['SQLite', (home) => Promise.resolve(() => openSqliteJournal(join(home, 'journal.db')))],
  [
    'PostgreSQL',
    async () => {
      const { url } = await freshDatabase();
      return () => openPostgresJournal(url);
    },
  ],
];

describe.each(stores)('Journal (%s)', (_store, store) => {
  let home: ReturnType<typeof tempHome>;
  let open: () => Journal;
  let journal: Journal;

  beforeEach(async () => {
    home = tempHome();
    open = await store(home.home);
    journal = open();
    await journal.ensureAccount(account);
  });
  afterEach(async () => {
    await journal.close();
    home.cleanup();
  });
  it('is one transfer per key and account', async () => {
    expect((await journal.createTransfer(transfer)).created).toBe(true);
    expect((await journal.createTransfer({ ...transfer, amountMinor: 1 })).created).toBe(false);
    expect((await journal.byKey(account.id, 'k1'))?.amountMinor).toBe(10000);
    const other = makeAccount('zw', 'default', 'http://127.0.0.1:1', null);
    await journal.ensureAccount(other);
    expect((await journal.createTransfer({ ...transfer, account: other.id, provider: 'zw' })).created).toBe(true);
    expect(await journal.find({ reference: 'k1' })).toHaveLength(2);
  });

  it('claims a transfer for sending once, and a sender can re-check its claim', async () => {
    const { transfer: created } = await journal.createTransfer(transfer);
    const { claimed: first } = await journal.claim([{ ids: [created.id] }], 'owner-a', () => null);
    expect(first.map((chunk) => chunk.transfers.map((t) => t.reference))).toEqual([['k1']]);
    expect((await journal.claim([{ ids: [created.id] }], 'owner-b', () => null)).claimed).toEqual([]);
    expect((await journal.get(created.id))?.status).toBe('sending');
    expect(await journal.stillClaimed([created.id], 'owner-a')).toBe(true);
    expect(await journal.stillClaimed([created.id], 'owner-b')).toBe(false);
  });

  it('re-checks the repeat guard as it claims: a recipient another send paid (or that AT may still pay) is held, queued, with an event', async () => {
    const guard = { windowMs: 3600_000, sandbox: true };
    const { transfer: first } = await journal.createTransfer(transfer);
    const { transfer: second } = await journal.createTransfer({ ...transfer, reference: 'k2' });
    expect((await journal.claim([{ ids: [first.id] }], 'a', () => null, guard)).claimed).toHaveLength(1);
    const blocked = await journal.claim([{ ids: [second.id] }], 'b', () => null, guard);
    expect(blocked.claimed).toEqual([]);
    expect(blocked.heldAsRepeats.map((held) => held.reference)).toEqual(['k2']);
    expect((await journal.get(second.id))?.status).toBe('queued');
    expect((await journal.events(second.id)).map((event) => [event.kind, event.flags])).toContainEqual(['repeat-hold', ['repeat']]);
    // Real money is kept apart from the sandbox's, and --allow-repeats (no guard) claims it.
    expect((await journal.claim([{ ids: [second.id] }], 'b', () => null, { ...guard, sandbox: false })).claimed).toHaveLength(1);

    const at = makeAccount('africastalking', 'default', 'http://127.0.0.1:1', 'sandbox');
    await journal.ensureAccount(at);
    const atTransfer = { ...transfer, account: at.id, provider: 'africastalking' as const, phone: '+254711000200' };
    const retried = (await journal.createTransfer({ ...atTransfer, reference: 'r1', details: { retryHours: 4 } })).transfer;
    const plain = (await journal.createTransfer({ ...atTransfer, reference: 'p1', phone: '+254711000300' })).transfer;
    expect((await journal.claim([{ ids: [retried.id, plain.id] }], 'a', () => null)).claimed).toHaveLength(1);
    for (const id of [retried.id, plain.id]) await journal.observe(id, { kind: 'callback', cause: 'callback', status: 'failed' });
    const again = (await journal.createTransfer({ ...atTransfer, reference: 'r2' })).transfer;
    const other = (await journal.createTransfer({ ...atTransfer, reference: 'p2', phone: '+254711000300' })).transfer;
    const claims = await journal.claim([{ ids: [again.id] }, { ids: [other.id] }], 'b', () => null, { ...guard, sandbox: false });
    // AT is still retrying r1 (a Success may follow its Failed): r2 waits; p1 failed for good: p2 goes.
    expect(claims.heldAsRepeats.map((held) => held.reference)).toEqual(['r2']);
    expect(claims.claimed.flatMap((chunk) => chunk.transfers.map((t) => t.reference))).toEqual(['p2']);
  });

  it('ignores an out-of-order answer after a final state, and records it', async () => {
    const { transfer: created } = await journal.createTransfer(transfer);
    expect((await journal.claim([{ ids: [created.id] }], 'o', () => null)).claimed).toHaveLength(1);
    expect((await journal.observe(created.id, { kind: 'send', cause: 'answer', status: 'delivered', providerReference: 'P1' }))?.outcome).toBe('moved');
    const late = await journal.observe(created.id, { kind: 'callback', cause: 'callback', status: 'submitted' });
    expect(late?.outcome).toBe('refused');
    expect((await journal.get(created.id))?.status).toBe('delivered');
    expect((await journal.events(created.id)).at(-1)?.flags).toContain('out-of-order');
  });

  it('never lets a callback put a transfer back in the queue', async () => {
    const { transfer: created } = await journal.createTransfer(transfer);
    expect((await journal.claim([{ ids: [created.id] }], 'o', () => null)).claimed).toHaveLength(1);
    expect((await journal.observe(created.id, { kind: 'send', cause: 'answer', status: 'unknown' }))?.outcome).toBe('moved');
    expect((await journal.observe(created.id, { kind: 'callback:sandbox', cause: 'callback', status: 'queued' }))?.outcome).toBe('refused');
    expect((await journal.get(created.id))?.status).toBe('unknown');
  });

  it('records a callback with the same dedupe key once', async () => {
    const { transfer: created } = await journal.createTransfer(transfer);
    expect((await journal.claim([{ ids: [created.id] }], 'o', () => null)).claimed).toHaveLength(1);
    expect((await journal.observe(created.id, { kind: 'callback', cause: 'callback', status: 'delivered', dedupeKey: 'cb-1' }))?.outcome).toBe('moved');
    expect((await journal.observe(created.id, { kind: 'callback', cause: 'callback', status: 'delivered', dedupeKey: 'cb-1' }))?.outcome).toBe('duplicate');
    expect((await journal.events(created.id)).filter((event) => event.kind === 'callback')).toHaveLength(1);
  });

  it('sees writes made by another connection (two processes share the journal)', async () => {
    const other = open();
    try {
      expect((await other.createTransfer(transfer)).created).toBe(true);
      expect((await journal.byKey(account.id, 'k1'))?.status).toBe('queued');
    } finally {
      await other.close();
    }
  });

  it('gives a lease to one holder at a time and to another once the first falls silent', async () => {
    const a = { id: 'a', pid: 1, host: 'h', actor: 'x' };
    const b = { id: 'b', pid: 2, host: 'h', actor: 'y' };
    expect((await journal.acquireLease('batch:b1', a, 60_000)).acquired).toBe(true);
    const refused = await journal.acquireLease('batch:b1', b, 60_000);
    expect(refused.acquired).toBe(false);
    expect(await journal.heartbeat('batch:b1', 'a')).toBe(true);
    expect((await journal.acquireLease('batch:b2', a, 1)).acquired).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const taken = await journal.acquireLease('batch:b2', b, 60_000);
    expect(taken).toMatchObject({ acquired: true, tookOverFrom: { id: 'a' } });
    expect(await journal.heartbeat('batch:b2', 'a')).toBe(false);
  });

  it('chains every event to the one before it', async () => {
    const { transfer: created } = await journal.createTransfer(transfer);
    expect((await journal.claim([{ ids: [created.id] }], 'o', () => null)).claimed).toHaveLength(1);
    await journal.observe(created.id, { kind: 'send', cause: 'answer', status: 'submitted' });
    const events = await journal.eventPage(0, 10);
    expect(events.map((event) => event.id)).toEqual([1, 2]);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect((await journal.chainHead()).head).toBe(events[1]?.hash);
  });
});

describe('Journal (SQLite only)', () => {
  it('is owner-only on disk', async () => {
    const home = tempHome();
    const journal = openSqliteJournal(join(home.home, 'journal.db'));
    try {
      await journal.ensureAccount(account);
      expect(statSync(join(home.home, 'journal.db')).mode & 0o777).toBe(0o600);
    } finally {
      await journal.close();
      home.cleanup();
    }
  });
});

describe('Journal (PostgreSQL across machines)', () => {
  it('migrates once when several processes open a new journal at the same moment', async () => {
    const { name, url } = await freshDatabase();
    const journals = Array.from({ length: 4 }, () => openPostgresJournal(url));
    try {
      expect(await Promise.all(journals.map((journal) => journal.whoami()))).toEqual(['postgres', 'postgres', 'postgres', 'postgres']);
      expect(await asSuperuser(name, 'SELECT version FROM airtime_schema ORDER BY version')).toEqual(
        postgresMigrations.map((_, index) => ({ version: index + 1 })),
      );
    } finally {
      await Promise.all(journals.map((journal) => journal.close()));
    }
  });

  it('claims each transfer once when two machines claim the same rows at once, and keeps one unbroken chain', async () => {
    const { url } = await freshDatabase();
    const [a, b] = [openPostgresJournal(url), openPostgresJournal(url)];
    try {
      await a.ensureAccount(account);
      const ids: number[] = [];
      for (let index = 0; index < 120; index += 1) ids.push((await a.createTransfer({ ...transfer, reference: `k${index}` })).transfer.id);
      const chunks = Array.from({ length: 12 }, (_, index) => ({ ids: ids.slice(index * 10, index * 10 + 10) }));
      // Each machine claims every chunk, one chunk per transaction, in opposite orders, all at once.
      const claimAll = (journal: Journal, owner: string, order: typeof chunks) =>
        Promise.all(
          order.map(async (chunk) => (await journal.claim([chunk], owner, () => null)).claimed.flatMap((claimed) => claimed.transfers.map((t) => t.id))),
        );
      const [byA, byB] = await Promise.all([claimAll(a, 'a', chunks), claimAll(b, 'b', [...chunks].reverse())]);
      const claimed = [...byA.flat(), ...byB.flat()];
      expect(claimed).toHaveLength(120);
      expect(new Set(claimed).size).toBe(120);
      const report = await a.verify();
      expect(report.breaks).toEqual([]);
      expect(report.events).toBe(120);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('approvals (SQLite, two operators on one file)', () => {
  it('holds a batch above the threshold until another operator approves this very plan', async () => {
    const home = tempHome();
    const file = join(home.home, 'journal.db');
    const alice = openSqliteJournal(file, 'alice@a');
    const bob = openSqliteJournal(file, 'bob@b');
    try {
      await alice.setPolicy(policyChange('approvals.above', '150 KES'));
      await alice.ensureAccount(account);
      const { batch } = await alice.createBatch({
        id: 'b_test',
        account: account.id,
        provider: 'sandbox',
        profile: 'default',
        fileName: 'p.csv',
        filePath: null,
        fileHash: 'h',
        fingerprint: 'f',
        rows: 2,
        fileRows: 2,
        invalid: 0,
        totals: { KES: 20000 },
      });
      expect(
        await alice.appendBatchRows(
          batch.id,
          [1, 2].map((line) => ({ ...transfer, reference: `r${line}`, batchId: batch.id, line })),
        ),
      ).toBe(2);
      expect(await alice.completeBatch(batch.id)).toBe(true);
      const complete = (await alice.batch(batch.id)) as Batch;
      expect(await approvalState(alice, complete)).toMatchObject({ required: 1, approvers: [], satisfied: false, planner: 'alice@a' });
      await expect(approveBatch(alice, complete, undefined)).rejects.toThrow(/planned batch b_test: another operator must approve it/);
      const { state } = await approveBatch(bob, complete, 'ok');
      expect(state).toMatchObject({ approvers: ['bob@b'], satisfied: true });
      expect((await approveBatch(bob, complete, 'again')).recorded).toBe(false);
      // A row changed behind the approval's back: the plan's hash moves, and the approval no longer counts.
      const db = new Database(file);
      db.prepare("UPDATE transfers SET amount_minor = 99900 WHERE reference = 'r2'").run();
      db.close();
      expect(await approvalState(bob, complete)).toMatchObject({ approvers: [], satisfied: false });
      expect((await alice.verify()).breaks[0]?.kind).toBeUndefined();
      // Lowering the recorded totals under the threshold does not lift the hold (the chained creation event
      // and the rows still say 200 KES), and the audit names the batch.
      const raw = new Database(file);
      raw.prepare(`UPDATE batches SET totals = '{"KES":100}'`).run();
      raw.prepare("UPDATE transfers SET amount_minor = 50 WHERE reference = 'r2'").run();
      raw.close();
      expect(await approvalState(alice, (await alice.batch(batch.id)) as Batch)).toMatchObject({ required: 1, satisfied: false });
      expect((await alice.verify()).breaks[0]).toMatchObject({
        kind: 'batch',
        message: expect.stringContaining('batch b_test no longer says what was planned') as string,
      });
    } finally {
      await alice.close();
      await bob.close();
      home.cleanup();
    }
  });

  it('finds a transfer whose status was changed outside airtime', async () => {
    const home = tempHome();
    const file = join(home.home, 'journal.db');
    const journal = openSqliteJournal(file);
    try {
      await journal.ensureAccount(account);
      const { transfer: created } = await journal.createTransfer(transfer);
      expect((await journal.claim([{ ids: [created.id] }], 'o', () => null)).claimed).toHaveLength(1);
      expect((await journal.verify()).breaks).toEqual([]);
      const db = new Database(file);
      db.prepare("UPDATE transfers SET status = 'failed'").run();
      db.close();
      expect((await journal.verify()).breaks[0]).toMatchObject({ kind: 'status', id: created.id });
    } finally {
      await journal.close();
      home.cleanup();
    }
  });
});
