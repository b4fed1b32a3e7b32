import type { TransferState, TransitionCause } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import { sameAsk, type DeliveredDetails, type TransferDetails } from './details.js';

/** A transfer as the journal holds it: the single source of truth. */
export interface Transfer {
  readonly id: number;
  /** The account it belongs to (core/account.ts): it is sent and asked about only there. */
  readonly account: string;
  /** The idempotency key, unique within its account. */
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
  /** How many times it was handed to a sender, and when first and last: the resend policies need them. */
  readonly attempts: number;
  readonly firstAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Product, meter target, custom SMS, retries, campaign, and what a ZESA purchase delivered; null for plain airtime. */
  readonly details: TransferDetails | null;
}

export type NewTransfer = Pick<Transfer, 'account' | 'reference' | 'provider' | 'profile' | 'phone' | 'amountMinor' | 'currency'> & {
  readonly note?: string | null | undefined;
  readonly batchId?: string | null | undefined;
  readonly line?: number | null | undefined;
  readonly details?: TransferDetails | null | undefined;
};

/** Whether a journaled transfer is the one described: same phone (or meter), amount and currency, and the same product and text when given. */
export function sameTransfer(
  transfer: Transfer,
  other: { phone: string; amountMinor: number; currency: string; details?: TransferDetails | null | undefined },
): boolean {
  return (
    transfer.phone === other.phone &&
    transfer.amountMinor === other.amountMinor &&
    transfer.currency === other.currency &&
    (other.details === undefined || sameAsk(transfer.details, other.details))
  );
}

/** What a provider answer, a status query, a callback or an operator says about one transfer. */
export interface Observation {
  readonly status: TransferState;
  /** Who says so: the state machine allows each cause its own moves (core/transfer-state.ts). */
  readonly cause: TransitionCause;
  readonly providerReference?: string | null | undefined;
  readonly error?: string | null | undefined;
  readonly note?: string | null | undefined;
  /** The event's kind: `send`, `status`, `callback:zw`, `reconcile`, `resolve`, … */
  readonly kind: string;
  /** The raw provider payload, secrets already removed. */
  readonly payload?: unknown;
  /** Callbacks carry one: the same key twice is recorded once. */
  readonly dedupeKey?: string | undefined;
  /** Extra flags for the event (e.g. `mismatch`). */
  readonly flags?: readonly string[] | undefined;
  /** Keep the request reference (a requeue that must resend the identical request) or drop it (an operator's not-sent). */
  readonly keepRequestReference?: boolean | undefined;
  /** What the provider delivered (ZESA tokens, units): merged into the transfer's details. */
  readonly delivered?: DeliveredDetails | undefined;
  /** A failure reported by a callback nothing authenticates, or by an operator the provider did not confirm: kept in the details (see TransferDetails). */
  readonly unverifiedFailure?: boolean | undefined;
  /** A requeue on an operator's word the provider did not confirm: kept in the details (see TransferDetails). */
  readonly unprovenRequeue?: boolean | undefined;
}

export type ObservationResult = { readonly outcome: 'moved' | 'same' | 'refused' | 'duplicate'; readonly transfer: Transfer; readonly previous: TransferState };

/** A payload already serialised (and scrubbed of secrets) as JSON: stored as it is. */
export class SerialisedPayload {
  constructor(readonly json: string) {}
}
