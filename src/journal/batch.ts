import type { TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';

/**
 * A batch: the rows of one payout file for one account, identified by their content (not the file's
 * bytes), journaled before anything is sent and marked complete once every row is in the journal.
 */
export interface Batch {
  readonly id: string;
  readonly account: string;
  readonly provider: ProviderName;
  readonly profile: string;
  readonly fileName: string;
  /** Absolute path of the file it was read from: an incomplete batch is completed from it. */
  readonly filePath: string | null;
  readonly fileHash: string;
  /** Order-, encoding- and line-ending-independent hash of the rows to pay. */
  readonly fingerprint: string;
  /** Rows this batch pays (the file's valid rows not paid by an earlier batch). */
  readonly rows: number;
  /** Data rows in the file, valid or not. */
  readonly fileRows: number;
  readonly invalid: number;
  readonly journaled: number;
  /** Every row is in the journal: only a complete batch is ever sent. */
  readonly complete: boolean;
  /** Minor units per currency of the rows to pay. */
  readonly totals: Record<string, number>;
  readonly state: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type NewBatch = Omit<Batch, 'journaled' | 'complete' | 'state' | 'createdBy' | 'createdAt' | 'updatedAt'>;

export interface BatchTally {
  readonly counts: Partial<Record<TransferState, number>>;
  /** Minor units per currency, per state. */
  readonly amounts: Partial<Record<TransferState, Record<string, number>>>;
  /** Minor units per currency, every row. */
  readonly totals: Record<string, number>;
  /** Minor units per currency, delivered rows. */
  readonly delivered: Record<string, number>;
  readonly rows: number;
}
