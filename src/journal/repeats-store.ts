import { earlierPaymentStates, mayHavePaid } from '../core/possibly-paid.js';
import { type Transfer } from './transfer.js';
import { TransferRow, toTransfer, EarlierPaymentRow, earlierPayment, opaque, placeholders } from './rows.js';
import type { RepeatGuard, SentCursor, SentRecipient } from './records.js';
import type { JournalSession } from './session.js';

/** The journal's the repeat guard: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class RepeatStore {
  constructor(private readonly journal: JournalSession) {}

  /**
   * Recipients paid or being paid since `since` (sent, submitted, delivered or unknown), a page at a time.
   * Sandbox transfers and real ones are kept apart: a rehearsal is not a payment.
   */
  async sentSince(
    since: string,
    sandbox: boolean,
    after: SentCursor | undefined,
    limit: number,
  ): Promise<{ page: SentRecipient[]; next: SentCursor | undefined }> {
    // Paged along the attempt-time index (time, then id): each page starts where the last ended, so the
    // window is read once, whatever the journal holds before it. The far upper bound changes no answer; it
    // makes the clause a range, which PostgreSQL without statistics estimates as narrow (0.5 %), not as a
    // third of the table (it would then read the whole table instead of the window).
    const lower = after && after.at > since ? after.at : since;
    const rows = await this.journal.sql.all<EarlierPaymentRow>(
      `SELECT id, phone, amount_minor, currency, batch_id, reference, status, provider, last_attempt_at, details
       FROM ${this.journal.database.dialect.via('transfers', 'transfers_by_attempt')}
       WHERE last_attempt_at >= ? AND last_attempt_at <= '9999-12-31T23:59:59.999Z' AND (last_attempt_at > ? OR ${opaque('id')} > ?)
         AND ${opaque('status')} IN (${placeholders(earlierPaymentStates.length)}) AND provider ${sandbox ? '=' : '<>'} 'sandbox'
       ORDER BY last_attempt_at, id LIMIT ?`,
      [lower, lower, after && after.at >= since ? after.id : 0, ...earlierPaymentStates, limit],
    );
    const nowMs = Date.now();
    const page = rows.filter((row) => mayHavePaid(earlierPayment(row), nowMs));
    const last = rows.at(-1);
    return {
      page: page.map((row) => ({ id: Number(row.id), phone: row.phone, amountMinor: Number(row.amount_minor), currency: row.currency, batchId: row.batch_id })),
      next: last ? { at: last.last_attempt_at ?? lower, id: Number(last.id) } : undefined,
    };
  }

  /**
   * The repeat guard's re-check at the moment of the claim, inside its transaction: of the members, those whose
   * recipient (phone, amount, currency) another batch or send has paid, is paying or may still pay within the
   * window. The gate checked the same before consent; this closes the gap between two runs confirmed at once.
   */
  /**
   * Recipients among these phones paid or being paid since `since` (the repeat window), oldest first: what the
   * gate's repeat check needs for a file's rows, read by phone (one short index range each), so it costs what
   * the file holds, not what the window holds (issue 27: a 2,000-row payout read the window's 83,000).
   */
  async sentTo(phones: readonly string[], since: string, sandbox: boolean): Promise<(SentRecipient & { readonly at: string })[]> {
    const found: (SentRecipient & { readonly at: string })[] = [];
    const nowMs = Date.now();
    for (let index = 0; index < phones.length; index += 500) {
      const slice = phones.slice(index, index + 500);
      const rows = await this.journal.sql.all<EarlierPaymentRow>(
        `SELECT id, phone, amount_minor, currency, batch_id, reference, status, provider, last_attempt_at, details
         FROM ${this.journal.database.dialect.via('transfers', 'transfers_by_phone_attempt')}
         WHERE phone IN (${placeholders(slice.length)})
           AND ${opaque('status')} IN (${placeholders(earlierPaymentStates.length)}) AND last_attempt_at >= ? AND provider ${sandbox ? '=' : '<>'} 'sandbox'`,
        [...slice, ...earlierPaymentStates, since],
      );
      for (const row of rows) {
        if (!mayHavePaid(earlierPayment(row), nowMs)) continue;
        found.push({
          id: Number(row.id),
          phone: row.phone,
          amountMinor: Number(row.amount_minor),
          currency: row.currency,
          batchId: row.batch_id,
          at: row.last_attempt_at ?? '',
        });
      }
    }
    // Oldest first, as the window is read: the earliest payment is the one a repeat is reported against.
    return found.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
  }

  async repeatsAmong(members: readonly Transfer[], guard: RepeatGuard): Promise<Map<number, string>> {
    const held = new Map<number, string>();
    const since = new Date(Date.now() - guard.windowMs).toISOString();
    const nowMs = Date.now();
    const batchId = members[0]?.batchId ?? null;
    for (let index = 0; index < members.length; index += 500) {
      const slice = members.slice(index, index + 500);
      // By phone and attempt time (the window), which the index reads as one short range per phone; amount and
      // currency below. Pinned: left to itself SQLite read every transfer of the provider (issue 27).
      const phones = [...new Set(slice.map((member) => member.phone))];
      const rows = await this.journal.sql.all<EarlierPaymentRow>(
        `SELECT id, phone, amount_minor, currency, batch_id, reference, status, provider, last_attempt_at, details
         FROM ${this.journal.database.dialect.via('transfers', 'transfers_by_phone_attempt')}
         WHERE phone IN (${placeholders(phones.length)})
           AND ${opaque('status')} IN (${placeholders(earlierPaymentStates.length)}) AND last_attempt_at >= ? AND provider ${guard.sandbox ? '=' : '<>'} 'sandbox'
           ${batchId === null ? '' : `AND (${opaque('batch_id')} IS NULL OR batch_id <> ?)`}`,
        [...phones, ...earlierPaymentStates, since, ...(batchId === null ? [] : [batchId])],
      );
      const earlier = new Map<string, string>();
      const own = new Set(members.map((member) => member.id));
      for (const row of rows) {
        // A transfer queued again is never a repeat of itself (a single send's key put back to queued is resent as itself).
        if (own.has(Number(row.id))) continue;
        if (mayHavePaid(earlierPayment(row), nowMs)) earlier.set(`${row.phone}|${Number(row.amount_minor)}|${row.currency}`, row.reference);
      }
      for (const member of slice) {
        const reference = earlier.get(`${member.phone}|${member.amountMinor}|${member.currency}`);
        if (reference !== undefined) held.set(member.id, reference);
      }
    }
    return held;
  }

  async byIds(ids: readonly number[]): Promise<Transfer[]> {
    const found: Transfer[] = [];
    // A few thousand parameters a statement: far below either database's limit.
    for (let index = 0; index < ids.length; index += 2000) {
      const slice = ids.slice(index, index + 2000);
      const rows = await this.journal.sql.all<TransferRow>(
        `SELECT * FROM ${this.journal.database.dialect.byKey('transfers')} WHERE id IN (${placeholders(slice.length)}) ORDER BY id`,
        slice,
      );
      found.push(...rows.map(toTransfer));
    }
    return found;
  }
}
