import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../../src/core/account.js';
import { chainHash } from '../../src/journal/audit-chain.js';
import { Journal, type SentCursor } from '../../src/journal/journal.js';
import { sqliteMigrations } from '../../src/journal/migrations.js';
import { postgresMigrations } from '../../src/journal/postgres-migrations.js';
import { PostgresDatabase } from '../../src/journal/postgres.js';
import type { Database, Sql, SqlValue } from '../../src/journal/sql.js';
import { SqliteDatabase } from '../../src/journal/sqlite.js';
import { tempHome } from '../helpers/cli.js';
import { fillPostgresHistory, fillSqliteHistory, historyPhone } from '../helpers/journal-fill.mjs';
import { asSuperuser, freshDatabase } from '../helpers/pg.js';

/**
 * Issue 27: no query on a paying path may cost more as the journal grows. Each hot query below runs through
 * the journal's own methods on a journal holding a year of history, and every statement it sends that
 * touches `transfers` or `events` is explained first (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN). The
 * test fails on a scan of either table and on any index not named in the query's `uses` — on a journal
 * without statistics, with fresh ones, and with misleading ones.
 *
 * A new hot query is one more entry in `hotQueries`.
 */

const account = makeAccount('sandbox', 'default', 'embedded', null);
const day = 86_400_000;
const windowMs = 30 * day;

interface Fixture {
  readonly batchId: string;
  /** Queued rows of the batch, in line order. */
  readonly ids: readonly number[];
  /** A transfer of the history (delivered, with a provider reference). */
  readonly old: { id: number; reference: string; providerReference: string; requestReference: string; phone: string; amountMinor: number };
}

interface HotQuery {
  readonly name: string;
  /**
   * The indexes it may read `transfers` and `events` through ('pk' = the primary key; PostgreSQL names of
   * the same index may differ, so both may be listed). Anything else, or a scan, fails.
   */
  readonly uses: readonly string[];
  /** Reads the newest rows in key order up to a LIMIT (`status`'s default listing): a scan that stops early. */
  readonly limited?: boolean;
  readonly run: (journal: Journal, fixture: Fixture) => Promise<unknown>;
}

const recipientStates = ['sending', 'submitted', 'delivered', 'unknown'] as const;

export const hotQueries: readonly HotQuery[] = [
  // The plan and the gate.
  { name: 'plan: a batch page of queued rows', uses: ['transfers_by_batch'], run: (j, f) => j.batchPage(f.batchId, ['queued'], 0, 5000) },
  { name: 'plan: tally of a batch', uses: ['transfers_by_batch'], run: (j, f) => j.tally(f.batchId) },
  { name: 'batch: is it whole', uses: ['transfers_by_batch'], run: (j, f) => j.completeBatch(f.batchId) },
  {
    name: 'gate: recipients paid within the repeat window',
    uses: ['transfers_by_attempt', 'transfers_by_attempt_id'],
    run: (j) => j.sentSince(new Date(Date.now() - windowMs).toISOString(), true, undefined, 10_000),
  },
  {
    name: "gate: a file's recipients paid within the repeat window",
    // Both lead with the phone: bounded by what the file's recipients were paid, whichever the planner takes.
    uses: ['transfers_by_phone_attempt', 'transfers_by_recipient'],
    run: (j, f) => j.sentTo([f.old.phone, '+254799000005'], new Date(Date.now() - windowMs).toISOString(), true),
  },
  {
    name: 'gate: describing a repeat',
    uses: ['transfers_by_recipient', 'transfers_by_phone_attempt'],
    run: (j, f) => j.find({ phone: f.old.phone, amountMinor: f.old.amountMinor, currency: 'KES', states: [...recipientStates] }),
  },
  {
    name: 'send: earlier payments to this recipient within the window',
    uses: ['transfers_by_phone_attempt'],
    run: (j, f) =>
      j.find({
        phone: f.old.phone,
        amountMinor: f.old.amountMinor,
        currency: 'KES',
        states: [...recipientStates],
        attemptedAfter: new Date(Date.now() - windowMs).toISOString(),
      }),
  },
  { name: 'send: a key in its account', uses: ['transfers_by_key', 'transfers_by_reference'], run: (j, f) => j.byKey(account.id, f.old.reference) },
  // The claim, with the repeat guard, and the re-check before each request.
  {
    name: 'claim: a chunk, with the repeat guard',
    uses: ['pk', 'transfers_by_phone_attempt'],
    run: (j, f) => j.claim([{ ids: f.ids.slice(0, 100) }], 'plan-test', () => 'plan-test-r1', { windowMs, sandbox: true }),
  },
  { name: 'claim: still ours', uses: ['pk'], run: (j, f) => j.stillClaimed(f.ids.slice(0, 100), 'plan-test') },
  {
    name: 'claim: a request resent whole',
    uses: ['transfers_by_request_reference'],
    run: (j, f) => j.find({ account: account.id, requestReference: f.old.requestReference }),
  },
  { name: 'lease: claims taken over', uses: ['transfers_by_batch'], run: (j, f) => j.takeOverClaims(f.batchId, 'someone-else', 'plan-test') },
  // Answers.
  {
    name: 'answers: many at once',
    uses: ['pk'],
    run: (j, f) => j.observeMany(f.ids.slice(0, 50).map((id) => ({ id, observation: { kind: 'send', cause: 'answer', status: 'submitted' } }))),
  },
  { name: 'answers: one', uses: ['pk'], run: (j, f) => j.observe(f.ids[60] ?? 0, { kind: 'send', cause: 'answer', status: 'submitted' }) },
  // Callbacks: matching, then recording (dedupe keys are unique: an insert that conflicts reads its index).
  {
    name: 'callback: by our key',
    uses: ['transfers_by_reference'],
    run: (j, f) => j.find({ provider: 'sandbox', accounts: [account.id], reference: f.old.reference, limit: 2 }),
  },
  {
    name: 'callback: by the provider reference',
    uses: ['transfers_by_provider_ref'],
    run: (j, f) => j.find({ provider: 'sandbox', accounts: [account.id], providerReference: f.old.providerReference, limit: 2 }),
  },
  {
    name: 'callback: by the request',
    uses: ['transfers_by_request_reference'],
    run: (j, f) => j.find({ provider: 'sandbox', accounts: [account.id], requestReference: f.old.requestReference }),
  },
  {
    name: 'callback: an unknown transfer by phone and amount',
    uses: ['transfers_by_phone_attempt'],
    run: (j, f) =>
      j.find({
        provider: 'sandbox',
        accounts: [account.id],
        phone: f.old.phone,
        amountMinor: f.old.amountMinor,
        currency: 'KES',
        states: ['sending', 'submitted', 'unknown'],
        withoutProviderReference: true,
        attemptedAfter: new Date(Date.now() - day).toISOString(),
        limit: 2,
      }),
  },
  {
    name: 'callback: validation of a transfer we sent',
    uses: ['transfers_by_recipient', 'transfers_by_phone_attempt'],
    run: (j, f) =>
      j.find({
        provider: 'sandbox',
        accounts: [account.id],
        phone: f.old.phone,
        amountMinor: f.old.amountMinor,
        currency: 'KES',
        states: ['sending', 'submitted'],
        limit: 1,
      }),
  },
  {
    name: 'callback: recorded once',
    uses: ['pk'],
    run: (j, f) => j.recordEvent({ transferId: f.old.id, kind: 'callback:sandbox', dedupeKey: `plan-test-${Date.now()}` }),
  },
  // Reconcile and resolve.
  { name: 'reconcile: open transfers', uses: ['transfers_by_status', 'transfers_by_status_id'], run: (j) => j.list({ states: ['sending', 'unknown'] }) },
  {
    name: 'reconcile: open transfers of a batch',
    uses: ['transfers_by_batch'],
    run: (j, f) => j.batchPage(f.batchId, ['sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER),
  },
  // Status.
  { name: 'status: the newest transfers', uses: ['pk'], limited: true, run: (j) => j.list({ limit: 20 }) },
  { name: 'status: the newest failed', uses: ['transfers_by_status', 'transfers_by_status_id'], run: (j) => j.list({ status: 'failed', limit: 20 }) },
  { name: 'status: failed rows of a batch', uses: ['transfers_by_batch'], run: (j, f) => j.list({ batchId: f.batchId, status: 'failed', limit: 20 }) },
  { name: 'status: a transfer by key', uses: ['transfers_by_reference'], run: (j, f) => j.find({ reference: f.old.reference }) },
  {
    name: 'status: a transfer by provider reference',
    uses: ['transfers_by_provider_ref'],
    run: (j, f) => j.find({ providerReference: f.old.providerReference }),
  },
  { name: 'status: a transfer by id', uses: ['pk'], run: (j, f) => j.get(f.old.id) },
  { name: 'status: a transfer’s events', uses: ['events_by_transfer'], run: (j, f) => j.events(f.old.id) },
  // Batches and approvals.
  { name: 'batches: the newest', uses: [], run: (j) => j.batches(50) },
  { name: 'batches: a batch’s rows', uses: ['transfers_by_batch'], run: (j, f) => j.list({ batchId: f.batchId }) },
  { name: 'approvals: a batch’s events', uses: ['events_by_batch'], run: (j, f) => j.batchEvents(f.batchId) },
];

interface Explained {
  readonly sql: string;
  readonly plan: readonly string[];
}

/** A database that explains every statement touching transfers or events before running it. */
function explaining(database: Database, explain: (sql: Sql, text: string, params: readonly SqlValue[]) => Promise<string[]>, seen: Explained[]): Database {
  const wrap = (sql: Sql): Sql => ({
    all: async (text, params = []) => (await note(sql, text, params), sql.all(text, params)),
    get: async (text, params = []) => (await note(sql, text, params), sql.get(text, params)),
    run: async (text, params = []) => (await note(sql, text, params), sql.run(text, params)),
  });
  const note = async (sql: Sql, text: string, params: readonly SqlValue[]) => {
    if (/\b(transfers|events)\b/.test(text) && /^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b/i.test(text))
      seen.push({ sql: text, plan: await explain(sql, text, params) });
  };
  const outer = wrap(database);
  return {
    dialect: database.dialect,
    location: database.location,
    all: (text, params) => outer.all(text, params),
    get: (text, params) => outer.get(text, params),
    run: (text, params) => outer.run(text, params),
    transaction: (work) => database.transaction((tx) => work(wrap(tx))),
    actor: () => database.actor(),
    isPolicyAdmin: () => database.isPolicyAdmin(),
    close: () => database.close(),
  };
}

const sqliteExplain = async (sql: Sql, text: string, params: readonly SqlValue[]) =>
  (await sql.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, params)).map((row) => row.detail);
const postgresExplain = async (sql: Sql, text: string, params: readonly SqlValue[]) =>
  (await sql.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params)).map((row) => row['QUERY PLAN'].trim());

/** What is wrong with one statement's plan for this query: a scan of transfers or events, or an index it should not use. */
export function planFaults(query: HotQuery, explained: Explained): string[] {
  const faults: string[] = [];
  const allowed = (index: string) => query.uses.includes(index) || (query.uses.includes('pk') && /^(transfers|events)_pkey$/.test(index));
  const sorted = explained.plan.some((line) => /TEMP B-TREE|^Sort\b|-> {2}Sort\b/.test(line));
  for (const line of explained.plan) {
    // SQLite: "SCAN transfers", "SCAN e USING INDEX …", "SEARCH t USING INDEX name (…)", "SEARCH transfers USING INTEGER PRIMARY KEY (rowid=?)".
    const scan = /^SCAN (transfers|events|t|e)\b(.*)$/.exec(line);
    if (scan) {
      const inKeyOrder = (scan[2] ?? '').trim() === '' && query.limited && query.uses.includes('pk') && !sorted;
      if (!inKeyOrder) faults.push(`scans: ${line}`);
      continue;
    }
    const search = /^SEARCH (?:transfers|events|t|e) USING (?:COVERING )?(INDEX (\S+)|INTEGER PRIMARY KEY)/.exec(line);
    if (search) {
      const index = search[2] ?? 'pk';
      if (!allowed(index)) faults.push(`reads through ${index}, not ${query.uses.join(' or ') || 'nothing of transfers or events'}: ${line}`);
      continue;
    }
    // PostgreSQL: "Seq Scan on transfers", "Index Scan using name on transfers t", "Bitmap Index Scan on name".
    const seq = /Seq Scan on (transfers|events)\b/.exec(line);
    if (seq) {
      faults.push(`scans: ${line}`);
      continue;
    }
    const index = /(?:Index (?:Only )?Scan(?: Backward)? using|Bitmap Index Scan on) ((?:transfers|events)_\S+)/.exec(line)?.[1];
    if (index && !allowed(index)) faults.push(`reads through ${index}, not ${query.uses.join(' or ') || 'nothing of transfers or events'}: ${line}`);
  }
  return faults;
}

/** Runs every hot query once and returns the faults of all their statements' plans. */
async function faultsOf(journal: Journal, seen: Explained[], fixture: Fixture): Promise<string[]> {
  const faults: string[] = [];
  for (const query of hotQueries) {
    seen.length = 0;
    await query.run(journal, fixture);
    for (const explained of seen)
      for (const fault of planFaults(query, explained)) faults.push(`${query.name}: ${fault}\n    ${explained.sql.replace(/\s+/g, ' ').slice(0, 220)}`);
  }
  return faults;
}

/** A batch of 2,000 queued rows to fresh recipients, through the journal's own API, on top of the history. */
async function addHotBatch(journal: Journal): Promise<Omit<Fixture, 'old'>> {
  const batchId = `hot-${Date.now()}`;
  const { created } = await journal.createBatch({
    id: batchId,
    account: account.id,
    provider: 'sandbox',
    profile: 'default',
    fileName: 'hot.csv',
    filePath: null,
    fileHash: batchId,
    fingerprint: batchId,
    rows: 2000,
    fileRows: 2000,
    invalid: 0,
    totals: { KES: 2000 * 1000 },
  });
  const rows = Array.from({ length: 2000 }, (_, index) => ({
    account: account.id,
    reference: `${batchId}-${index + 1}`,
    provider: 'sandbox' as const,
    profile: 'default',
    phone: historyPhone(900_000 + index),
    amountMinor: 1000,
    currency: 'KES',
    batchId,
    line: index + 1,
  }));
  expect(created).toBe(true);
  expect(await journal.appendBatchRows(batchId, rows)).toBe(2000);
  const ids = (await journal.batchPage(batchId, ['queued'], 0, 5000)).map((transfer) => transfer.id);
  return { batchId, ids };
}

async function oldTransfer(journal: Journal): Promise<Fixture['old']> {
  const [found] = await journal.find({ reference: 'hist-1000' });
  if (!found?.providerReference || !found.requestReference) throw new Error('the history has no transfer hist-1000');
  return {
    id: found.id,
    reference: found.reference,
    providerReference: found.providerReference,
    requestReference: found.requestReference,
    phone: found.phone,
    amountMinor: found.amountMinor,
  };
}

describe('query plans of the paying path (SQLite)', () => {
  const home = tempHome();
  const file = join(home.home, 'journal.db');
  const seen: Explained[] = [];
  const open = () => Journal.over(explaining(new SqliteDatabase(file, sqliteMigrations, 'plan-test'), sqliteExplain, seen));

  beforeAll(async () => {
    const journal = open();
    await journal.ensureAccount(account);
    await journal.close();
    const db = new BetterSqlite3(file);
    fillSqliteHistory(db, { account: account.id, chainHash, transfers: 30_000, phones: 3_000 });
    db.close();
  });
  afterAll(() => home.cleanup());

  const scenarios: [string, () => void][] = [
    ['without statistics', () => undefined],
    [
      'with fresh statistics (ANALYZE)',
      () => {
        const db = new BetterSqlite3(file);
        db.exec('ANALYZE');
        db.close();
      },
    ],
    [
      'with misleading statistics',
      () => {
        // Statistics that make every bounding index look useless and every unbounded one look perfect.
        const db = new BetterSqlite3(file);
        db.exec('ANALYZE');
        const stat = db.prepare('UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx = ?');
        const rows = 1_000_000;
        for (const { idx, tbl } of db.prepare(`SELECT tbl, idx FROM sqlite_stat1 WHERE tbl IN ('transfers', 'events') AND idx IS NOT NULL`).all() as {
          tbl: string;
          idx: string;
        }[]) {
          const columns = (db.prepare(`SELECT count(*) AS n FROM pragma_index_info(?)`).get(idx) as { n: number }).n;
          const bounding = /by_(key|reference|request_reference|provider_ref|phone_attempt|recipient|batch|transfer|dedupe|attempt)$/.test(idx);
          stat.run([rows, ...Array.from({ length: columns }, () => (bounding ? rows / 2 : 1))].join(' '), tbl, idx);
        }
        db.close();
      },
    ],
  ];

  it.each(scenarios)('every hot query reads a bounded range, %s', async (_name, prepare) => {
    prepare();
    const journal = open();
    try {
      const fixture = { ...(await addHotBatch(journal)), old: await oldTransfer(journal) };
      expect(await faultsOf(journal, seen, fixture)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('reads the repeat window page by page, each row once, across rows claimed at the same instant', async () => {
    const journal = open();
    try {
      const { ids } = await addHotBatch(journal);
      // Four claims of 500: each stamps its rows with one instant, so pages end inside runs of equal times.
      for (let index = 0; index < ids.length; index += 500) {
        const { claimed } = await journal.claim([{ ids: ids.slice(index, index + 500) }], 'window-test', () => `window-${index}`);
        expect(claimed.flatMap((chunk) => chunk.transfers)).toHaveLength(500);
      }
      const since = new Date(Date.now() - windowMs).toISOString();
      const seen: number[] = [];
      let after: SentCursor | undefined;
      for (let pages = 0; pages < 1000; pages += 1) {
        const { page, next } = await journal.sentSince(since, true, after, 300);
        if (next === undefined) break;
        seen.push(...page.map((sent) => sent.id));
        after = next;
      }
      const db = new BetterSqlite3(file, { readonly: true });
      const expected = (
        db
          .prepare(
            `SELECT id FROM transfers WHERE last_attempt_at >= ? AND status IN ('sending', 'submitted', 'delivered', 'unknown') AND provider = 'sandbox' ORDER BY id`,
          )
          .all(since) as { id: number }[]
      ).map((row) => row.id);
      db.close();
      expect(expected.length).toBeGreaterThan(2000);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(expected);
    } finally {
      await journal.close();
    }
  });

  it('fails when an index the paying path needs is missing', async () => {
    const db = new BetterSqlite3(file);
    db.exec('DROP INDEX transfers_by_phone_attempt');
    db.close();
    const journal = open();
    try {
      const fixture = { ...(await addHotBatch(journal)), old: await oldTransfer(journal) };
      // The pinned statement refuses to run rather than scan: the claim with the repeat guard names the index.
      await expect(hotQueries.find((query) => query.name.startsWith('claim: a chunk'))?.run(journal, fixture)).rejects.toThrow(
        /no such index: transfers_by_phone_attempt/,
      );
    } finally {
      await journal.close();
    }
  });
});

describe('query plans of the paying path (PostgreSQL)', () => {
  const seen: Explained[] = [];
  let url = '';
  let name = '';
  const open = () => Journal.over(explaining(new PostgresDatabase(url, postgresMigrations), postgresExplain, seen));

  beforeAll(async () => {
    ({ url, name } = await freshDatabase('plans'));
    const journal = open();
    await journal.ensureAccount(account);
    await journal.close();
    // No statistics until a scenario gathers them: autovacuum would gather them at a moment of its choosing.
    await asSuperuser(name, 'ALTER TABLE transfers SET (autovacuum_enabled = false); ALTER TABLE events SET (autovacuum_enabled = false)');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // A small journal first, analysed: the statistics a journal keeps from when it was young…
      await fillPostgresHistory(client, { account: account.id, transfers: 2_000, phones: 50 });
    } finally {
      await client.end();
    }
  }, 120_000);

  const grow = async () => {
    // …then a year of history on top, which no statistic has seen yet.
    await asSuperuser(name, 'TRUNCATE events, transfers, batches');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await fillPostgresHistory(client, { account: account.id, transfers: 150_000, phones: 20_000 });
    } finally {
      await client.end();
    }
  };

  const scenarios: [string, () => Promise<void>][] = [
    ['without statistics', grow],
    [
      'with misleading statistics (gathered on the young journal, then it grew)',
      async () => {
        await asSuperuser(name, 'TRUNCATE events, transfers, batches');
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await fillPostgresHistory(client, { account: account.id, transfers: 2_000, phones: 50 });
        } finally {
          await client.end();
        }
        await asSuperuser(name, 'ANALYZE transfers; ANALYZE events; ANALYZE batches');
        await grow();
      },
    ],
    ['with fresh statistics (ANALYZE)', () => asSuperuser(name, 'ANALYZE transfers; ANALYZE events; ANALYZE batches').then(() => undefined)],
  ];

  it.each(scenarios)(
    'every hot query reads a bounded range, %s',
    async (_name, prepare) => {
      await prepare();
      const journal = open();
      try {
        const fixture = { ...(await addHotBatch(journal)), old: await oldTransfer(journal) };
        expect(await faultsOf(journal, seen, fixture)).toEqual([]);
      } finally {
        await journal.close();
      }
    },
    120_000,
  );

  it('fails when an index the paying path needs is missing', async () => {
    await asSuperuser(name, 'DROP INDEX transfers_by_phone_attempt');
    const journal = open();
    try {
      const fixture = { ...(await addHotBatch(journal)), old: await oldTransfer(journal) };
      const faults = await faultsOf(journal, seen, fixture);
      expect(faults.some((fault) => fault.startsWith('claim: a chunk'))).toBe(true);
    } finally {
      await journal.close();
    }
  }, 120_000);
});
