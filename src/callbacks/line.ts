import type { ProviderName } from '../providers/names.js';
import type { RecordOutcome } from './record.js';

/** What happened to one request to the listener: one printed line (or NDJSON object). */
export interface CallbackLine {
  readonly at: string;
  /** The route's provider; null for a request no route took (404). */
  readonly provider: ProviderName | null;
  readonly kind: 'status' | 'validation';
  readonly httpStatus: number;
  readonly phone: string | null;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly status: string | null;
  readonly reference: string | null;
  /**
   * `rejected`: turned away before it could be recorded (401, 404, 413, 400); `spooled`: the journal could
   * not take it, kept in the spool (replayed at the next start); `dropped`: over the bounds, counted only.
   */
  readonly outcome: RecordOutcome | 'rejected' | 'validated' | 'refused' | 'spooled';
  readonly flags: readonly string[];
  readonly reason: string | null;
  /** The path asked for, on a 404. */
  readonly path?: string;
  readonly forwardStatus?: number | string;
}
