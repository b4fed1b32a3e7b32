import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import type { ProviderName } from './names.js';

export interface Capabilities {
  /** Recipients one send request may carry; the dispatcher chunks to it. */
  readonly maxRecipientsPerRequest: number;
  /** How a transfer's status can be asked: by our key, only by the provider's reference, or not at all. */
  readonly statusQuery: 'by-our-reference' | 'by-provider-reference' | 'none';
  readonly balance: boolean;
  readonly ledger: boolean;
  /** Whether the provider answers a repeated key with the first transfer: only then is a resend safe. */
  readonly dedupesOnKey: boolean;
  readonly callbacks: boolean;
  readonly signedCallbacks: boolean;
}

export interface SendItem {
  readonly reference: string;
  /** E.164 with "+". */
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
}

/** What a provider said about one recipient of a send. */
export interface SendOutcome {
  readonly reference: string;
  readonly status: Extract<TransferState, 'submitted' | 'delivered' | 'failed' | 'unknown'>;
  readonly providerReference?: string | null;
  readonly error?: string | null;
  readonly payload?: unknown;
}

/** What a provider said about one transfer it knows. */
export interface StatusFound {
  readonly status: TransferState;
  readonly providerReference?: string | null;
  readonly error?: string | null;
  readonly note?: string | null;
  readonly payload?: unknown;
}

/**
 * Where a provider's "no record" applies. `request`: the provider does not know the request (Lipad request
 * reference, zw order, sandbox key) at all — where it deduplicates on that reference, an identical resend is
 * safe. `transfer`: the request is known but this recipient is not listed in it, or the transfer cannot be
 * looked up (Africa's Talking without a requestId) — that proves nothing about whether it was paid.
 */
export type NotFoundScope = 'request' | 'transfer';

export interface StatusNotFound {
  readonly status: 'not-found';
  readonly scope: NotFoundScope;
  readonly note?: string | null;
  readonly payload?: unknown;
}

export type StatusOutcome = StatusFound | StatusNotFound;

/** A grouped status query could not ask about this transfer (its request failed): nothing was learned. */
export interface StatusUnanswered {
  readonly status: 'unanswered';
  readonly error: Error;
}

/** One transfer's answer from `statusMany`, in input order. */
export type StatusAnswer = StatusOutcome | StatusUnanswered;

export interface Balance {
  readonly currency: string;
  readonly minor: number;
}

export interface LedgerEntry {
  readonly at: string;
  readonly kind: string;
  readonly currency: string;
  readonly minor: number;
  readonly reference: string | null;
  readonly description: string;
}

/** One adapter per provider. Adapters never print: they return outcomes or throw AirtimeErrors. */
export interface Provider {
  readonly name: ProviderName;
  readonly capabilities: Capabilities;
  /** The id of the request a chunk travels in, recorded before it is sent; null where the provider has none. */
  requestReference(items: readonly SendItem[]): string | null;
  /** @mustUse the provider's answer: every outcome must reach the journal */
  send(items: readonly SendItem[], requestReference: string | null): Promise<SendOutcome[]>;
  status(transfer: Transfer): Promise<StatusOutcome>;
  /**
   * Many transfers at once, answers in input order. Adapters whose status query answers a whole request
   * implement it with one query per request (Lipad); `queryStatuses` (status-many.ts) loops `status` for the
   * others. A failed query makes its transfers `unanswered`; a configuration error (credentials) throws.
   */
  statusMany?(transfers: readonly Transfer[]): Promise<StatusAnswer[]>;
  /** Balances per currency; throws a plain "not supported" where the provider publishes none. */
  balance(): Promise<Balance[]>;
  ledger?(limit: number): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}
