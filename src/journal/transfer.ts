import type { TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';

/** A transfer as the journal holds it: the single source of truth. */
export interface Transfer {
  readonly reference: string;
  readonly provider: ProviderName;
  readonly profile: string;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly status: TransferState;
  readonly providerReference: string | null;
  /** The provider request the transfer travelled in (a Lipad request reference covers many transfers). */
  readonly requestReference: string | null;
  readonly error: string | null;
  readonly note: string | null;
  readonly batchId: string | null;
  readonly line: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type NewTransfer = Pick<Transfer, 'reference' | 'provider' | 'profile' | 'phone' | 'amountMinor' | 'currency'> & {
  readonly note?: string | null | undefined;
  readonly batchId?: string | null | undefined;
  readonly line?: number | null | undefined;
};

/** Whether a journaled transfer is the one described: same phone, amount and currency. */
export function sameTransfer(transfer: Transfer, other: { phone: string; amountMinor: number; currency: string }): boolean {
  return transfer.phone === other.phone && transfer.amountMinor === other.amountMinor && transfer.currency === other.currency;
}

/** What a provider answer, a status query or a callback says about one transfer. */
export interface Observation {
  readonly status: TransferState;
  readonly providerReference?: string | null | undefined;
  readonly error?: string | null | undefined;
  readonly note?: string | null | undefined;
  /** The event's kind: `send`, `status`, `callback`, `reconcile`, … */
  readonly kind: string;
  /** The raw provider payload, secrets already removed. */
  readonly payload?: unknown;
  /** Callbacks carry one: the same key twice is recorded once. */
  readonly dedupeKey?: string | undefined;
}

export type ObservationResult =
  | { readonly outcome: 'moved' | 'same' | 'refused'; readonly transfer: Transfer; readonly previous: TransferState }
  | { readonly outcome: 'duplicate'; readonly transfer: Transfer; readonly previous: TransferState };

/** A payload already serialised (and scrubbed of secrets) as JSON: stored as it is. */
export class SerialisedPayload {
  constructor(readonly json: string) {}
}
