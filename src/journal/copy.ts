import { configError, failedError } from '../core/errors.js';
import { verifyJournal } from './audit.js';
import type { Database, Sql, SqlValue } from './sql.js';

/** What a copy did, and what it checked. */
export interface CopyReport {
  readonly counts: Readonly<Record<CopiedTable, number>>;
  /** Events that were already in the target (an earlier copy of the same journal): not copied again. */
  readonly eventsAlreadyThere: number;
  readonly head: string;
}

type CopiedTable = 'accounts' | 'batches' | 'transfers' | 'events' | 'policy';

/** Column lists, in the schema's order (both stores have the same names). */
const columns: Record<CopiedTable, readonly string[]> = {
  accounts: ['id', 'provider', 'profile', 'endpoint', 'principal', 'created_at'],
  batches: [
    'id',
    'account',
    'provider',
    'profile',
    'file_name',
    'file_path',
    'file_hash',
    'fingerprint',
    'rows',
    'file_rows',
    'invalid',
    'journaled',
    'complete',
    'totals',
    'state',
    'created_by',
    'created_at',
    'updated_at',
  ],
  transfers: [
    'id',
    'account',
    'reference',
    'provider',
    'profile',
    'phone',
    'amount_minor',
    'currency',
    'status',
    'provider_reference',
    'request_reference',
    'error',
    'note',
    'batch_id',
    'line',
    'attempts',
    'first_attempt_at',
    'last_attempt_at',
    'claim_owner',
    'created_at',
    'updated_at',
  ],
  events: ['id', 'transfer_id', 'batch_id', 'kind', 'from_status', 'to_status', 'flags', 'payload', 'dedupe_key', 'actor', 'created_at', 'prev_hash', 'hash'],
  policy: ['key', 'value', 'updated_by', 'updated_at'],
};

/**
 * On a row already there: what a later state of the same journal may have changed (a re-run after more
 * work on the SQLite file brings the copy up to date). Transfers are updated only when the row is the same
 * transfer (same account and key); anything else is another ledger's, and the copy stops.
 */
const onConflict: Record<CopiedTable, string> = {
  accounts: 'ON CONFLICT (id) DO NOTHING',
  batches: `ON CONFLICT (id) DO UPDATE SET journaled = excluded.journaled, complete = excluded.complete, state = excluded.state, updated_at = excluded.updated_at
            WHERE batches.account = excluded.account AND batches.fingerprint = excluded.fingerprint`,
  transfers: `ON CONFLICT (id) DO UPDATE SET status = excluded.status, provider_reference = excluded.provider_reference, request_reference = excluded.request_reference,
              error = excluded.error, note = excluded.note, attempts = excluded.attempts, first_attempt_at = excluded.first_attempt_at,
              last_attempt_at = excluded.last_attempt_at, claim_owner = excluded.claim_owner, updated_at = excluded.updated_at
              WHERE transfers.account = excluded.account AND transfers.reference = excluded.reference`,
  events: '',
  // The target's own policy, if it has one, stays: a team's policy is not overwritten by a laptop's.
  policy: 'ON CONFLICT (key) DO NOTHING',
};

const keyOf: Record<CopiedTable, string> = { accounts: 'id', batches: 'id', transfers: 'id', events: 'id', policy: 'key' };

async function count(sql: Sql, table: CopiedTable): Promise<number> {
  return Number((await sql.get<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? 0);
}

/**
 * Copies a SQLite journal into a PostgreSQL one, in one transaction: nothing or everything. Idempotent: the
 * target may be empty, or an earlier copy of the same journal (its audit chain a prefix of the source's), in
 * which case what changed since is brought over. Events keep their writers (SQLite's user@host) and hashes,
 * which only an `airtime_admin` may write. Verified before commit: the same number of rows in every table,
 * the same chain head, and the whole chain recomputed on the target.
 */
export async function copyJournal(source: Database, target: Database, onProgress?: (table: string, copied: number) => void): Promise<CopyReport> {
  const report = await copyInOneTransaction(source, target, onProgress);
  // A large import leaves the planner's statistics behind (autovacuum gets to it in its own time): gathered
  // now, as PostgreSQL recommends after a bulk load. Not the owner? Autovacuum will; the copy stands.
  await target.run('ANALYZE transfers, events, batches').catch(() => undefined);
  return report;
}

async function copyInOneTransaction(source: Database, target: Database, onProgress?: (table: string, copied: number) => void): Promise<CopyReport> {
  if (source.dialect.name !== 'sqlite' || target.dialect.name !== 'postgres') throw new Error('a journal is copied from SQLite to PostgreSQL');
  if (!(await target.isPolicyAdmin())) {
    throw configError(
      `${await target.actor()} may not import a journal into ${target.location}: events keep their original writers, which only members of airtime_admin may record`,
      'run it as the database owner or another member of airtime_admin',
    );
  }
  const sourceChain = await source.get<{ head: string; count: number }>('SELECT head, count FROM chain WHERE id = 1');
  const sourceEvents = Number(sourceChain?.count ?? 0);
  const sourceCheck = await verifyJournal(source);
  // Events written while it was being read (a send started meanwhile) are not tampering: say what happened.
  const writtenMeanwhile = async () => {
    const now = await source.get<{ head: string; count: number }>('SELECT head, count FROM chain WHERE id = 1');
    return now?.head !== sourceChain?.head || Number(now?.count ?? 0) !== sourceEvents;
  };
  const busy = () =>
    failedError(
      `the SQLite journal ${source.location} was written to while it was being copied (an airtime command is running): nothing was copied; migrate again once it has finished`,
    );
  if (sourceCheck.breaks[0]) {
    if (await writtenMeanwhile()) throw busy();
    throw failedError(`the SQLite journal ${source.location} does not verify (${sourceCheck.breaks[0].message}): it is not copied`);
  }

  return target.transaction(async (tx) => {
    await tx.run("SELECT set_config('airtime.import', 'on', true)");
    const targetChain = await tx.get<{ head: string; count: number }>('SELECT head, count FROM chain WHERE id = 1');
    const already = Number(targetChain?.count ?? 0);
    if (already > sourceEvents)
      throw failedError(`${target.location} already holds ${already} events, more than ${source.location} (${sourceEvents}): it is another ledger`);
    if (already > 0) {
      const same = await source.get<{ hash: string }>('SELECT hash FROM events WHERE id = ?', [already]);
      if (same?.hash !== targetChain?.head) {
        throw failedError(`${target.location} already holds a history that is not this journal's (its event ${already} differs): nothing was copied`);
      }
    }
    for (const table of ['accounts', 'policy', 'batches', 'transfers', 'events'] as const) {
      let copied = 0;
      const key = keyOf[table];
      // Events the target holds already are this journal's (checked above): only the rest are new.
      let after: SqlValue = table === 'events' ? already : table === 'transfers' ? 0 : '';
      for (;;) {
        const page: Record<string, SqlValue>[] = await source.all<Record<string, SqlValue>>(
          `SELECT * FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT 500`,
          [after],
        );
        if (page.length === 0) break;
        const names = columns[table];
        const values = page.map(() => `(${names.map(() => '?').join(', ')})`).join(', ');
        const params = page.flatMap((row) => names.map((name) => row[name] ?? null));
        const { changes } = await tx.run(`INSERT INTO ${table} (${names.join(', ')}) VALUES ${values} ${onConflict[table]}`, params);
        if ((table === 'transfers' || table === 'events') && changes !== page.length) {
          throw failedError(`${target.location} holds other ${table} under the same ids as ${source.location}: it is another ledger; nothing was copied`);
        }
        copied += page.length;
        after = page.at(-1)?.[key] ?? after;
        onProgress?.(table, copied);
      }
    }
    await tx.run('UPDATE chain SET head = ?, count = ? WHERE id = 1', [sourceChain?.head ?? '', sourceEvents]);
    await tx.run(`SELECT setval(pg_get_serial_sequence('transfers', 'id'), coalesce((SELECT max(id) FROM transfers), 0) + 1, false)`);

    const counts = {} as Record<CopiedTable, number>;
    if (await writtenMeanwhile()) throw busy();
    for (const table of ['accounts', 'batches', 'transfers', 'events'] as const) {
      const [from, to] = [await count(source, table), await count(tx, table)];
      if (from !== to) throw failedError(`after the copy ${table} number ${to} in ${target.location} but ${from} in ${source.location}: nothing was copied`);
      counts[table] = to;
    }
    counts.policy = await count(tx, 'policy');
    const check = await verifyJournal(tx);
    if (check.breaks[0] || check.head !== sourceChain?.head) {
      throw failedError(`the copy does not verify (${check.breaks[0]?.message ?? 'its chain head differs'}): nothing was copied`);
    }
    return { counts, eventsAlreadyThere: already, head: check.head };
  });
}
