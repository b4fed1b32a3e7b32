import { type TransferState } from '../core/transfer-state.js';
import type { Batch, BatchTally, NewBatch } from './batch.js';
import { type NewTransfer } from './transfer.js';
import { BatchRow, toBatch, now } from './rows.js';
import type { JournalSession } from './session.js';

/** The journal's batches: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class BatchStore {
  constructor(private readonly journal: JournalSession) {}

  async batch(id: string): Promise<Batch | undefined> {
    const row = await this.journal.sql.get<BatchRow>('SELECT * FROM batches WHERE id = ?', [id]);
    return row ? toBatch(row) : undefined;
  }

  async batches(limit = 50): Promise<Batch[]> {
    return (await this.journal.sql.all<BatchRow>('SELECT * FROM batches ORDER BY created_at DESC, id LIMIT ?', [limit])).map(toBatch);
  }

  /** An account's batches made from a file with exactly these bytes, newest first (one batch a run: a small table). */
  async withFileHash(account: string, fileHash: string): Promise<Batch[]> {
    return (
      await this.journal.sql.all<BatchRow>('SELECT * FROM batches WHERE account = ? AND file_hash = ? ORDER BY created_at DESC LIMIT 5', [account, fileHash])
    ).map(toBatch);
  }

  /**
   * Creates a batch (incomplete until every row is journaled), or returns the one with that id.
   * @mustUse
   */
  async createBatch(batch: NewBatch): Promise<{ created: boolean; batch: Batch }> {
    const at = now();
    const created = await this.journal.atomically(async (journal) => {
      const { changes } = await journal.sql.run(
        `INSERT INTO batches (id, account, provider, profile, file_name, file_path, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, 'open', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [
          batch.id,
          batch.account,
          batch.provider,
          batch.profile,
          batch.fileName,
          batch.filePath,
          batch.fileHash,
          batch.fingerprint,
          batch.rows,
          batch.fileRows,
          batch.invalid,
          JSON.stringify(batch.totals),
          await this.journal.database.actor(),
          at,
          at,
        ],
      );
      if (changes === 1)
        await journal.events.insertEvent({
          batchId: batch.id,
          kind: 'batch-created',
          payload: { fileName: batch.fileName, fileHash: batch.fileHash, rows: batch.rows, totals: batch.totals },
        });
      return changes === 1;
    });
    const stored = await this.batch(batch.id);
    if (!stored) throw new Error(`journal lost batch ${batch.id}`);
    return { created, batch: stored };
  }

  /**
   * Journals rows of a batch as `queued` (a key already there is left as it is) and counts them.
   * @mustUse
   */
  async appendBatchRows(batchId: string, transfers: readonly NewTransfer[]): Promise<number> {
    if (transfers.length === 0) return 0;
    return this.journal.atomically(async (journal) => {
      const created = await journal.transfers.insertQueued(transfers, now());
      if (created) await journal.sql.run('UPDATE batches SET journaled = journaled + ?, updated_at = ? WHERE id = ?', [created, now(), batchId]);
      return created;
    });
  }

  /**
   * Marks a batch whole once the journal holds every one of its rows; returns whether it is.
   * @mustUse
   */
  async completeBatch(batchId: string): Promise<boolean> {
    return this.journal.atomically(async (journal) => {
      const batch = await journal.batches.batch(batchId);
      if (!batch) return false;
      const row = await journal.sql.get<{ n: number | string }>(
        `SELECT count(*) AS n FROM ${journal.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ?`,
        [batchId],
      );
      const count = Number(row?.n ?? 0);
      if (count < batch.rows) return false;
      if (!batch.complete) {
        await journal.sql.run('UPDATE batches SET complete = 1, journaled = ?, updated_at = ? WHERE id = ?', [count, now(), batchId]);
        await journal.events.insertEvent({ batchId, kind: 'batch-complete', payload: { rows: count } });
      }
      return true;
    });
  }

  /**
   * Puts a lone queued transfer into a batch (a single send that must wait for approval becomes a one-row batch).
   * @mustUse
   */
  async adoptIntoBatch(batchId: string, transferId: number, line: number): Promise<boolean> {
    return this.journal.atomically(async (journal) => {
      const { changes } = await journal.sql.run(
        `UPDATE transfers SET batch_id = ?, line = ?, updated_at = ? WHERE id = ? AND batch_id IS NULL AND status = 'queued'`,
        [batchId, line, now(), transferId],
      );
      if (changes === 1) await journal.sql.run('UPDATE batches SET journaled = journaled + 1, updated_at = ? WHERE id = ?', [now(), batchId]);
      return changes === 1;
    });
  }

  async setBatchState(batchId: string, state: string, payload?: unknown): Promise<void> {
    await this.journal.atomically(async (journal) => {
      await journal.sql.run('UPDATE batches SET state = ?, updated_at = ? WHERE id = ?', [state, now(), batchId]);
      await journal.events.insertEvent({ batchId, kind: `batch-${state}`, payload });
    });
  }

  async tally(batchId: string): Promise<BatchTally> {
    const rows = await this.journal.sql.all<{ status: TransferState; currency: string; n: number | string; minor: number | string }>(
      `SELECT status, currency, count(*) AS n, sum(amount_minor) AS minor FROM ${this.journal.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ? GROUP BY status, currency`,
      [batchId],
    );
    const counts: Partial<Record<TransferState, number>> = {};
    const amounts: Partial<Record<TransferState, Record<string, number>>> = {};
    const totals: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const n = Number(row.n);
      const minor = Number(row.minor);
      counts[row.status] = (counts[row.status] ?? 0) + n;
      const byCurrency = (amounts[row.status] ??= {});
      byCurrency[row.currency] = (byCurrency[row.currency] ?? 0) + minor;
      totals[row.currency] = (totals[row.currency] ?? 0) + minor;
      total += n;
    }
    return { counts, amounts, totals, delivered: amounts.delivered ?? {}, rows: total };
  }
}
