import type { TransferState } from '../core/transfer-state.js';
import type { DeliveredDetails } from '../journal/details.js';
import type { ProviderName } from '../providers/names.js';

/** How a callback names its transfer: providers identify transfers differently. */
export type CallbackMatch =
  | { readonly by: 'reference'; readonly reference: string }
  /** AT: the requestId it answered the send with; phone and amount alone only when none was recorded. */
  | { readonly by: 'provider-reference'; readonly providerReference: string }
  /** Lipad: the request reference and the recipient's phone within it. */
  | { readonly by: 'request-reference'; readonly requestReference: string };

/**
 * What a callback says about the money, as it says it — compared with the journal before anything moves
 * (record.ts): a callback that disagrees is evidence to keep, not news to apply.
 */
export interface CallbackClaims {
  /** The phone as sent: E.164, bare digits, or national (zw's `target`). */
  readonly phone?: string | undefined;
  /** A decimal amount in major units as sent ("10", "100.0000"), read in `currency` or the transfer's. */
  readonly amount?: string | undefined;
  /** An amount already in minor units (the embedded sandbox's own words). */
  readonly amountMinor?: number | undefined;
  readonly currency?: string | undefined;
  /** Fields the callback carries but that cannot be read (an amount that is not one): never silently ignored. */
  readonly unreadable?: readonly string[] | undefined;
}

/** A provider's callback in our words. */
export interface CallbackEvent {
  readonly provider: ProviderName;
  readonly match: CallbackMatch;
  readonly claims: CallbackClaims;
  readonly status: TransferState;
  readonly providerReference: string | null;
  readonly error: string | null;
  readonly note: string | null;
  /**
   * The same key twice is the same callback: recorded once. It holds a digest of the body's content, so a
   * forged callback with other amounts cannot take the key of the genuine one that follows it.
   */
  readonly dedupeKey: string;
  readonly payload: unknown;
  /** What it says was delivered beyond the money (ZESA tokens, units). */
  readonly delivered?: DeliveredDetails | undefined;
}

export class MalformedCallback extends Error {}
