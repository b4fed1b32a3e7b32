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

export interface StatusOutcome {
  /** `not-found`: the provider has no such transfer (safe to resend under the same key where it dedupes). */
  readonly status: TransferState | 'not-found';
  readonly providerReference?: string | null;
  readonly error?: string | null;
  readonly note?: string | null;
  readonly payload?: unknown;
}

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
  /** Balances per currency; throws a plain "not supported" where the provider publishes none. */
  balance(): Promise<Balance[]>;
  ledger?(limit: number): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}
