import { checkRecordedHead, verifyJournal, type AuditReport, type RecordedHead } from './audit.js';
import type { SqlValue } from './sql.js';
import { toEvent } from './rows.js';
import type { EventRow, AuditEvent } from './records.js';
import type { JournalSession } from './session.js';

/** The journal's audit: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class AuditStore {
  constructor(private readonly journal: JournalSession) {}

  /** Recomputes the audit chain and checks every transfer's status against its events (`airtime audit verify`). */
  async verify(options: { head?: RecordedHead | undefined; onProgress?: (done: { events: number; transfers: number }) => void } = {}): Promise<AuditReport> {
    await this.journal.events.flushEvents();
    const report = await verifyJournal(this.journal.sql, options.onProgress ? { onProgress: options.onProgress } : {});
    if (!options.head) return report;
    const broken = await checkRecordedHead(this.journal.sql, report, options.head);
    // A break of the chain itself comes first: it is where the history stops holding together.
    return broken ? { ...report, breaks: [...report.breaks, broken] } : report;
  }

  /** Events in order with their transfer's reference, a page at a time, optionally of one batch or since a time (`airtime audit export`). */
  async auditPage(filter: { batchId?: string | undefined; since?: string | undefined }, afterId: number, limit: number): Promise<AuditEvent[]> {
    await this.journal.events.flushEvents();
    const where = ['e.id > ?'];
    const params: SqlValue[] = [afterId];
    if (filter.batchId !== undefined) {
      where.push('(e.batch_id = ? OR t.batch_id = ?)');
      params.push(filter.batchId, filter.batchId);
    }
    if (filter.since !== undefined) {
      where.push('e.created_at >= ?');
      params.push(filter.since);
    }
    const rows = await this.journal.sql.all<
      EventRow & {
        reference: string | null;
        transfer_batch: string | null;
        phone: string | null;
        amount_minor: number | string | null;
        currency: string | null;
      }
    >(
      `SELECT e.*, t.reference, t.batch_id AS transfer_batch, t.phone, t.amount_minor, t.currency
       FROM events e LEFT JOIN transfers t ON t.id = e.transfer_id WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT ?`,
      [...params, limit],
    );
    return rows.map((row) => ({
      ...toEvent(row),
      batchId: row.batch_id ?? row.transfer_batch,
      reference: row.reference,
      phone: row.phone,
      amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
      currency: row.currency,
      hash: row.hash,
    }));
  }
}
