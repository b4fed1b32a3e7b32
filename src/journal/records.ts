import { type TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import { type Transfer } from './transfer.js';

/** What the journal takes and returns, beyond transfers and batches (transfer.ts, batch.ts). */
export interface EventRecord {
  readonly id: number;
  readonly transferId: number | null;
  readonly batchId: string | null;
  readonly kind: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly flags: string[];
  readonly payload: unknown;
  readonly actor: string;
  readonly createdAt: string;
}

/** An events row as either database returns it (PostgreSQL gives BIGINT as text). */
export interface EventRow {
  id: number | string;
  transfer_id: number | string | null;
  batch_id: string | null;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  flags: string | null;
  payload: string | null;
  dedupe_key: string | null;
  actor: string;
  created_at: string;
  prev_hash: string;
  hash: string;
}

/** Which callbacks to list or replay (all given filters apply). */
export interface CallbackEventQuery {
  readonly transferIds?: readonly number[];
  readonly batchId?: string;
  readonly flag?: string;
  readonly afterId?: number;
  readonly limit?: number;
  /** The newest `limit` events (newest first) instead of the oldest after `afterId`. */
  readonly newest?: boolean;
}

/** A callback event, its payload as stored (the raw body for JSON callbacks) and the transfer it matched. */
export interface CallbackEventRecord extends EventRecord {
  readonly rawPayload: string | null;
  readonly transfer: {
    readonly reference: string;
    readonly account: string;
    readonly phone: string;
    readonly amountMinor: number;
    readonly currency: string;
    readonly batchId: string | null;
    readonly line: number | null;
  } | null;
}

/** An event as the audit export shows it: with its transfer's reference and money. */
export interface AuditEvent extends EventRecord {
  readonly reference: string | null;
  readonly phone: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly hash: string;
}

export interface NewEvent {
  readonly transferId?: number | null;
  readonly batchId?: string | null;
  readonly kind: string;
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  readonly flags?: readonly string[];
  readonly payload?: unknown;
  readonly dedupeKey?: string | null | undefined;
}

export interface ListQuery {
  readonly limit?: number | undefined;
  readonly status?: TransferState | undefined;
  readonly states?: readonly TransferState[] | undefined;
  readonly batchId?: string | undefined;
  readonly account?: string | undefined;
}

/** What a transfer lookup may filter on (callbacks, validation, reconcile). */
export interface TransferFilter {
  readonly provider?: ProviderName;
  readonly account?: string;
  /** Any of these accounts (a callback listener serves the accounts of the profiles it was started for). */
  readonly accounts?: readonly string[];
  readonly reference?: string;
  readonly providerReference?: string;
  readonly requestReference?: string;
  readonly phone?: string;
  readonly amountMinor?: number;
  readonly currency?: string;
  readonly states?: readonly TransferState[];
  readonly createdAfter?: string;
  /** Last handed to a sender after this instant (ISO-8601). */
  readonly attemptedAfter?: string;
  readonly withoutProviderReference?: boolean;
  readonly limit?: number;
}

/** A chunk to claim: fresh rows (their request reference derived from what was claimed) or a whole earlier request. */
export interface ClaimChunk {
  readonly ids: readonly number[];
  /** Set for rows requeued to be resent as the identical request: claimed all together or not at all. */
  readonly requestReference?: string | null;
}

export interface Claimed {
  readonly transfers: Transfer[];
  readonly requestReference: string | null;
}

export interface ClaimResult {
  readonly claimed: Claimed[];
  /** Left `queued`, with a `repeat-hold` event: their recipient was paid by another run after this one's consent. */
  readonly heldAsRepeats: Transfer[];
}

/** The repeat guard as consented: its window, and sandbox money kept apart from real money. */
export interface RepeatGuard {
  readonly windowMs: number;
  readonly sandbox: boolean;
}

/** Who runs a batch: shown to whoever else tries. */
export interface Holder {
  readonly id: string;
  readonly pid: number;
  readonly host: string;
  readonly actor: string;
  /** When the holder's process started, where it can be read (transfers/ownership.ts): a reused pid is not the holder. */
  readonly started?: string | null | undefined;
}

export interface LeaseInfo extends Holder {
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
  /** Milliseconds since the last heartbeat, by the journal's clock. */
  readonly silentMs: number;
  readonly ttlMs: number;
}

export type LeaseResult = { readonly acquired: true; readonly tookOverFrom: LeaseInfo | null } | { readonly acquired: false; readonly heldBy: LeaseInfo };

/** Where a page of `sentSince` ended: the last row's attempt time and id. */
export interface SentCursor {
  readonly at: string;
  readonly id: number;
}

/** One recipient the repeat guard knows was paid (or is being paid) recently. */
export interface SentRecipient {
  readonly id: number;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly batchId: string | null;
}
