import type { TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';

/** How a callback names its transfer: providers identify transfers differently. */
export type CallbackMatch =
  | { readonly by: 'reference'; readonly reference: string }
  | {
      readonly by: 'provider-reference';
      readonly providerReference: string;
      readonly phone: string;
      readonly amountMinor: number | undefined;
      readonly currency: string | undefined;
    }
  | { readonly by: 'request-reference'; readonly requestReference: string; readonly phone: string; readonly amountMinor: number | undefined };

/** A provider's callback in our words. */
export interface CallbackEvent {
  readonly provider: ProviderName;
  readonly match: CallbackMatch;
  readonly status: TransferState;
  readonly providerReference: string | null;
  readonly error: string | null;
  readonly note: string | null;
  /** The same key twice is the same callback: recorded once. */
  readonly dedupeKey: string;
  readonly payload: unknown;
}

export class MalformedCallback extends Error {}
