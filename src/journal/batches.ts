import type { TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import type { Db } from './db.js';

export interface Batch {
  readonly id: string;
  readonly fileName: string;
  readonly fileHash: string;
  readonly provider: ProviderName;
  readonly profile: string;
  readonly rows: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface BatchTally {
  readonly counts: Partial<Record<TransferState, number>>;
  /** Minor units per currency, every row. */
  readonly totals: Record<string, number>;
  /** Minor units per currency, delivered rows. */
  readonly delivered: Record<string, number>;
  readonly rows: number;
}

interface BatchRow {
  id: string;
  file_name: string;
  file_hash: string;
  provider: string;
  profile: string;
  rows: number;
  created_at: string;
  updated_at: string;
}

const toBatch = (row: BatchRow): Batch => ({
  id: row.id,
  fileName: row.file_name,
  fileHash: row.file_hash,
  provider: row.provider as ProviderName,
  profile: row.profile,
  rows: row.rows,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Batches (one per payout file, provider and profile) in the journal's database. */
export class BatchStore {
  constructor(private readonly db: Db) {}

  create(batch: Omit<Batch, 'createdAt' | 'updatedAt'>): Batch {
    const at = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO batches (id, file_name, file_hash, provider, profile, rows, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(batch.id, batch.fileName, batch.fileHash, batch.provider, batch.profile, batch.rows, at, at);
    const stored = this.get(batch.id);
    if (!stored) throw new Error(`journal lost batch ${batch.id}`);
    return stored;
  }

  get(id: string): Batch | undefined {
    const row = this.db.prepare('SELECT * FROM batches WHERE id = ?').get(id) as BatchRow | undefined;
    return row ? toBatch(row) : undefined;
  }

  byFile(fileHash: string, provider: ProviderName, profile: string): Batch | undefined {
    const row = this.db.prepare('SELECT * FROM batches WHERE file_hash = ? AND provider = ? AND profile = ?').get(fileHash, provider, profile) as
      BatchRow | undefined;
    return row ? toBatch(row) : undefined;
  }

  tally(id: string): BatchTally {
    const rows = this.db
      .prepare('SELECT status, currency, count(*) AS n, sum(amount_minor) AS minor FROM transfers WHERE batch_id = ? GROUP BY status, currency')
      .all(id) as { status: TransferState; currency: string; n: number; minor: number }[];
    const counts: Partial<Record<TransferState, number>> = {};
    const totals: Record<string, number> = {};
    const delivered: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      counts[row.status] = (counts[row.status] ?? 0) + row.n;
      totals[row.currency] = (totals[row.currency] ?? 0) + row.minor;
      if (row.status === 'delivered') delivered[row.currency] = (delivered[row.currency] ?? 0) + row.minor;
      total += row.n;
    }
    return { counts, totals, delivered, rows: total };
  }

  touch(id: string): void {
    this.db.prepare('UPDATE batches SET updated_at = ? WHERE id = ?').run(new Date().toISOString(), id);
  }
}
