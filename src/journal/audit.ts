import { chainHash, genesisHash } from './audit-chain.js';
import type { EventRow } from './journal.js';
import type { Sql } from './sql.js';

/** The first place where the journal's history does not hold together. */
export interface AuditBreak {
  /** The event (or, for `status`, the transfer) where it breaks. */
  readonly id: number;
  readonly kind: 'missing' | 'edited' | 'relinked' | 'head' | 'status' | 'batch';
  readonly message: string;
}

export interface AuditReport {
  readonly events: number;
  readonly transfers: number;
  readonly head: string;
  /** The first break of the chain, then the first transfer whose status its events do not explain; empty when intact. */
  readonly breaks: readonly AuditBreak[];
}

/** Events whose move was not applied: flagged refused, out of order or mismatched (their `to_status` is what was said, not what happened). */
const notApplied = ['refused', 'out-of-order', 'mismatch'];
const applied = notApplied.map((flag) => `(',' || e.flags || ',') NOT LIKE '%,${flag},%'`).join(' AND ');

/**
 * Recomputes the audit chain from the first event: every event must follow the one before it (ids without
 * gaps), carry its hash as `prev_hash`, and hash to its own `hash`; the last must be the recorded head.
 * Then every transfer's status must be the one its last applied event moved it to (a `queued` transfer
 * may have none). Works on any `Sql`, so a copy can be verified inside the transaction that wrote it.
 */
export async function verifyJournal(
  sql: Sql,
  options: { pageSize?: number; onProgress?: (done: { events: number; transfers: number }) => void } = {},
): Promise<AuditReport> {
  const pageSize = options.pageSize ?? 5000;
  const breaks: AuditBreak[] = [];
  let previous = genesisHash;
  let expectedId = 1;
  let events = 0;
  outer: for (;;) {
    const page = await sql.all<EventRow>('SELECT * FROM events WHERE id >= ? ORDER BY id LIMIT ?', [expectedId, pageSize]);
    if (page.length === 0) break;
    for (const row of page) {
      const id = Number(row.id);
      if (id !== expectedId) {
        breaks.push({ id: expectedId, kind: 'missing', message: `event ${expectedId} is missing (the next one is ${id}): history was deleted` });
        break outer;
      }
      if (row.prev_hash !== previous) {
        breaks.push({ id, kind: 'relinked', message: `event ${id} does not follow event ${id - 1}: its previous hash is not event ${id - 1}'s` });
        break outer;
      }
      const computed = chainHash(previous, {
        id,
        transferId: row.transfer_id === null ? null : Number(row.transfer_id),
        batchId: row.batch_id,
        kind: row.kind,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        flags: row.flags,
        payload: row.payload,
        dedupeKey: row.dedupe_key,
        actor: row.actor,
        createdAt: row.created_at,
      });
      if (computed !== row.hash) {
        breaks.push({
          id,
          kind: 'edited',
          message: `event ${id} (${row.kind}, ${row.created_at}, by ${row.actor}) was changed after it was written: its hash does not match`,
        });
        break outer;
      }
      previous = row.hash;
      expectedId += 1;
      events += 1;
    }
    options.onProgress?.({ events, transfers: 0 });
  }
  const chain = await sql.get<{ head: string; count: number | string }>('SELECT head, count FROM chain WHERE id = 1');
  if (breaks.length === 0 && (chain?.head !== previous || Number(chain.count) !== events)) {
    breaks.push({
      id: events + 1,
      kind: 'head',
      message: `the journal says it holds ${Number(chain?.count ?? 0)} events ending in ${chain?.head.slice(0, 12) ?? '?'}…, but ${events} chain up to ${previous.slice(0, 12)}…: the last events were deleted`,
    });
  }

  let transfers = 0;
  for (let afterId = 0; ;) {
    const rows = await sql.all<{ id: number | string; reference: string; status: string; last: string | null }>(
      `SELECT t.id, t.reference, t.status,
         (SELECT e.to_status FROM events e WHERE e.transfer_id = t.id AND e.to_status IS NOT NULL AND (e.flags IS NULL OR (${applied}))
          ORDER BY e.id DESC LIMIT 1) AS last
       FROM transfers t WHERE t.id > ? ORDER BY t.id LIMIT ?`,
      [afterId, pageSize],
    );
    if (rows.length === 0) break;
    transfers += rows.length;
    options.onProgress?.({ events, transfers });
    afterId = Number(rows.at(-1)?.id ?? afterId);
    const wrong = rows.find((row) => row.status !== (row.last ?? 'queued'));
    if (wrong) {
      breaks.push({
        id: Number(wrong.id),
        kind: 'status',
        message: `transfer ${wrong.reference} is ${wrong.status} but its last recorded event left it ${wrong.last ?? 'queued (it has none)'}: its row was changed outside airtime`,
      });
      break;
    }
  }
  const batch = await firstEditedBatch(sql);
  if (batch) breaks.push(batch);
  return { events, transfers, head: previous, breaks };
}

/**
 * The first batch whose row count, file hash or totals differ from what its (hash-chained) creation event
 * recorded: what an approval was asked for must be what the batch still says. Batches journaled before the
 * event carried totals are compared on what it did carry.
 */
async function firstEditedBatch(sql: Sql): Promise<AuditBreak | undefined> {
  // A batch airtime made has a chained creation event, written in the transaction that made the batch.
  const orphan = await sql.get<{ id: string; created_by: string }>(
    `SELECT b.id, b.created_by FROM batches b WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.batch_id = b.id AND e.kind = 'batch-created') ORDER BY b.created_at LIMIT 1`,
  );
  if (orphan) {
    return {
      id: 0,
      kind: 'batch',
      message: `batch ${orphan.id} has no creation event in the chain (it names ${orphan.created_by} as its planner): its row was written outside airtime`,
    };
  }
  const rows = await sql.all<{ id: string; rows: number | string; file_hash: string; totals: string; payload: string | null; event: number | string }>(
    `SELECT b.id, b.rows, b.file_hash, b.totals, e.payload, e.id AS event
     FROM batches b JOIN events e ON e.batch_id = b.id AND e.kind = 'batch-created' ORDER BY e.id`,
  );
  for (const row of rows) {
    const recorded = JSON.parse(row.payload ?? '{}') as { rows?: number; fileHash?: string; totals?: Record<string, number> };
    const totals = JSON.parse(row.totals) as Record<string, number>;
    const same = (a: Record<string, number>, b: Record<string, number>) =>
      Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([currency, minor]) => b[currency] === minor);
    if (
      (recorded.rows !== undefined && recorded.rows !== Number(row.rows)) ||
      (recorded.fileHash !== undefined && recorded.fileHash !== row.file_hash) ||
      (recorded.totals !== undefined && !same(recorded.totals, totals))
    ) {
      return {
        id: Number(row.event),
        kind: 'batch',
        message: `batch ${row.id} no longer says what was planned (event ${Number(row.event)} recorded its rows, file and totals): its row was changed outside airtime`,
      };
    }
  }
  return undefined;
}

/** A chain head written down somewhere else (`airtime audit head`): how many events, and the last one's hash. */
export interface RecordedHead {
  readonly count: number | undefined;
  readonly hash: string;
}

/** "1234:9f…" or a bare 64-hex hash, as `airtime audit head` prints it; undefined if it is neither. */
export function parseRecordedHead(text: string): RecordedHead | undefined {
  const match = /^(?:(\d+)[:\s]\s*)?([0-9a-f]{64})$/i.exec(text.trim());
  if (!match?.[2]) return undefined;
  return { count: match[1] === undefined ? undefined : Number(match[1]), hash: match[2].toLowerCase() };
}

/**
 * Whether the chain still contains a head recorded elsewhere: the chain checks itself, but a tail deleted
 * together with the recorded head (`chain` table) leaves a shorter chain that is whole. Only a head kept
 * outside the journal shows that events were there. `report` is the verified chain (its events hash-checked).
 */
export async function checkRecordedHead(sql: Sql, report: AuditReport, recorded: RecordedHead): Promise<AuditBreak | undefined> {
  const short = `${recorded.count === undefined ? '' : `${recorded.count}:`}${recorded.hash.slice(0, 16)}…`;
  if (recorded.count === 0)
    return recorded.hash === genesisHash ? undefined : { id: 0, kind: 'head', message: `the recorded head ${short} is not an empty chain's` };
  if (recorded.count !== undefined && recorded.count > report.events) {
    return {
      id: report.events + 1,
      kind: 'head',
      message: `the chain holds ${report.events} events but the head recorded elsewhere (${short}) holds ${recorded.count}: events ${report.events + 1} to ${recorded.count} were deleted`,
    };
  }
  const row =
    recorded.count === undefined
      ? await sql.get<{ id: number | string; hash: string }>('SELECT id, hash FROM events WHERE hash = ?', [recorded.hash])
      : await sql.get<{ id: number | string; hash: string }>('SELECT id, hash FROM events WHERE id = ?', [recorded.count]);
  if (row && row.hash === recorded.hash && Number(row.id) <= report.events) return undefined;
  return {
    id: recorded.count ?? report.events + 1,
    kind: 'head',
    message:
      recorded.count === undefined
        ? `the chain does not contain the head recorded elsewhere (${short}): events were deleted or the history rewritten`
        : `event ${recorded.count} is not the one recorded elsewhere (${short}): the history from there on was rewritten`,
  };
}
