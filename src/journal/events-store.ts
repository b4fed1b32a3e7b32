import { chainHash } from './audit-chain.js';
import type { SqlValue } from './sql.js';
import { toEvent, CallbackTransferColumns, now, eventsPerStatement, insertEvents, placeholders, serialise } from './rows.js';
import type { EventRecord, EventRow, CallbackEventQuery, CallbackEventRecord, NewEvent } from './records.js';
import type { JournalSession } from './session.js';

/** The journal's events: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class EventStore {
  constructor(private readonly journal: JournalSession) {}

  /**
   * An event with no transfer to move (an unknown callback, a batch decision). Returns false for a dedupe key seen before.
   * @mustUse
   */
  async recordEvent(event: NewEvent): Promise<boolean> {
    return this.journal.atomically(async (journal) => journal.events.insertEvent(event));
  }

  async events(transferId: number): Promise<EventRecord[]> {
    await this.flushEvents();
    return (
      await this.journal.sql.all<EventRow>(
        `SELECT * FROM ${this.journal.database.dialect.via('events', 'events_by_transfer')} WHERE transfer_id = ? ORDER BY id`,
        [transferId],
      )
    ).map(toEvent);
  }

  async batchEvents(batchId: string): Promise<EventRecord[]> {
    await this.flushEvents();
    return (
      await this.journal.sql.all<EventRow>(`SELECT * FROM ${this.journal.database.dialect.via('events', 'events_by_batch')} WHERE batch_id = ? ORDER BY id`, [
        batchId,
      ])
    ).map(toEvent);
  }

  /** Callbacks as they arrived (events of kind `callback:<provider>`), with the transfer each one matched, a page at a time. */
  async callbackEvents(query: CallbackEventQuery = {}): Promise<CallbackEventRecord[]> {
    const where = [`e.kind LIKE 'callback:%'`, 'e.id > ?'];
    const params: SqlValue[] = [query.afterId ?? 0];
    if (query.transferIds) {
      where.push(query.transferIds.length ? `e.transfer_id IN (${placeholders(query.transferIds.length)})` : '1 = 0');
      params.push(...query.transferIds);
    }
    if (query.batchId !== undefined) {
      where.push('t.batch_id = ?');
      params.push(query.batchId);
    }
    if (query.flag !== undefined) {
      // Flags are stored comma-joined; the commas around both sides make a whole-word match.
      where.push(`(',' || e.flags || ',') LIKE ?`);
      params.push(`%,${query.flag},%`);
    }
    params.push(Math.max(1, Math.floor(query.limit ?? 500)));
    const rows = await this.journal.sql.all<EventRow & CallbackTransferColumns>(
      `SELECT e.*, t.reference AS t_reference, t.account AS t_account, t.phone AS t_phone, t.amount_minor AS t_amount_minor,
         t.currency AS t_currency, t.batch_id AS t_batch_id, t.line AS t_line
       FROM events e LEFT JOIN transfers t ON t.id = e.transfer_id
       WHERE ${where.join(' AND ')} ORDER BY e.id${query.newest ? ' DESC' : ''} LIMIT ?`,
      params,
    );
    return rows.map((row) => ({
      ...toEvent(row),
      rawPayload: row.payload,
      transfer:
        row.t_reference === null
          ? null
          : {
              reference: row.t_reference,
              account: row.t_account ?? '',
              phone: row.t_phone ?? '',
              amountMinor: Number(row.t_amount_minor),
              currency: row.t_currency ?? '',
              batchId: row.t_batch_id,
              line: row.t_line === null ? null : Number(row.t_line),
            },
    }));
  }

  /** Events in order, a page at a time (audit export and verification). */
  async eventPage(
    afterId: number,
    limit: number,
  ): Promise<(EventRecord & { prevHash: string; hash: string; dedupeKey: string | null; rawPayload: string | null; rawFlags: string | null })[]> {
    await this.flushEvents();
    const rows = await this.journal.sql.all<EventRow>('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((row) => ({
      ...toEvent(row),
      prevHash: row.prev_hash,
      hash: row.hash,
      dedupeKey: row.dedupe_key,
      rawPayload: row.payload,
      rawFlags: row.flags,
    }));
  }

  async chainHead(): Promise<{ head: string; count: number }> {
    await this.flushEvents();
    const row = await this.journal.sql.get<{ head: string; count: number | string }>('SELECT head, count FROM chain WHERE id = 1');
    return { head: row?.head ?? '', count: Number(row?.count ?? 0) };
  }

  /**
   * Inserts one event, chained to the one before it. Needs a transaction: the chain head is read and moved in it.
   * Events without a dedupe key cannot conflict, so they are buffered and written together (one statement per
   * few hundred, not one round trip each: it matters on PostgreSQL) before the transaction commits or reads events.
   */
  async insertEvent(event: NewEvent): Promise<boolean> {
    if (!this.journal.inTransaction) throw new Error('events are written inside a transaction');
    if (!this.journal.chain) {
      const row = await this.journal.sql.get<{ head: string; count: number | string }>(
        `SELECT head, count FROM chain WHERE id = 1${this.journal.database.dialect.name === 'postgres' ? ' FOR UPDATE' : ''}`,
      );
      if (!row) throw new Error('the journal has no audit chain');
      this.journal.chain = { head: row.head, count: Number(row.count), dirty: false };
    }
    const chained = {
      id: this.journal.chain.count + 1,
      transferId: event.transferId ?? null,
      batchId: event.batchId ?? null,
      kind: event.kind,
      fromStatus: event.fromStatus ?? null,
      toStatus: event.toStatus ?? null,
      flags: event.flags?.length ? event.flags.join(',') : null,
      payload: serialise(event.payload),
      dedupeKey: event.dedupeKey ?? null,
      actor: await this.journal.database.actor(),
      createdAt: now(),
    };
    const hash = chainHash(this.journal.chain.head, chained);
    const values: SqlValue[] = [
      chained.id,
      chained.transferId,
      chained.batchId,
      chained.kind,
      chained.fromStatus,
      chained.toStatus,
      chained.flags,
      chained.payload,
      chained.dedupeKey,
      chained.actor,
      chained.createdAt,
      this.journal.chain.head,
      hash,
    ];
    if (chained.dedupeKey === null) {
      this.journal.pendingEvents.push(values);
      this.journal.chain = { head: hash, count: chained.id, dirty: true };
      if (this.journal.pendingEvents.length >= eventsPerStatement) await this.flushEvents();
      return true;
    }
    await this.flushEvents();
    const { changes } = await this.journal.sql.run(`${insertEvents(1)} ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`, values);
    if (changes !== 1) return false;
    this.journal.chain = { head: hash, count: chained.id, dirty: true };
    return true;
  }

  /** Writes the buffered events (inside a transaction; outside one there are none). */
  async flushEvents(): Promise<void> {
    if (this.journal.pendingEvents.length === 0) return;
    const rows = this.journal.pendingEvents;
    this.journal.pendingEvents = [];
    await this.journal.sql.run(insertEvents(rows.length), rows.flat());
  }

  async saveChain(): Promise<void> {
    if (!this.journal.chain?.dirty) return;
    await this.journal.sql.run('UPDATE chain SET head = ?, count = ? WHERE id = 1', [this.journal.chain.head, this.journal.chain.count]);
    this.journal.chain = { ...this.journal.chain, dirty: false };
  }
}
