import { sentStates, type TransferState } from './transfer-state.js';

/** How long after its retry hours a late Success is still taken as the retry's: callbacks arrive late too. */
export const retryGraceMs = 3600_000;

/** What the repeat guard reads of an earlier transfer to the same recipient. */
export interface EarlierPayment {
  readonly status: TransferState;
  readonly provider: string;
  readonly lastAttemptAt: string | null;
  /** Africa's Talking delivery retries (`maxNumRetry`) it was sent with, in hours; 0 when none. */
  readonly retryHours: number;
  /** Its failure has no proof from the provider: a callback nothing authenticated, an operator's word it did not confirm. */
  readonly unverifiedFailure?: boolean;
  /** Put back to `queued` by an operator's word the provider did not confirm: the earlier request may have paid. */
  readonly unprovenRequeue?: boolean;
  /**
   * Put back to `queued` on an assumption (a "not found" the provider's documents do not make proof), not
   * on proof that nothing left: the first attempt may still have paid, until a resend's answer is journaled.
   */
  readonly possiblyTaken?: boolean;
}

/**
 * Whether an earlier transfer may have paid its recipient, or may still: sent or in flight, queued again on
 * an assumption rather than proof (`possiblyTaken`), or `failed` (or
 * `reversed`) on no proof — while Africa's Talking is still retrying it (a Success may follow within its retry
 * hours), on the word of a callback nothing authenticated (anyone who can reach the listener could have sent it)
 * or of an operator the provider did not confirm — or back in `queued` (or failed after) on an operator's
 * unconfirmed "never sent": the first request may have paid.
 */
export function mayHavePaid(earlier: EarlierPayment, nowMs: number): boolean {
  if (sentStates.includes(earlier.status)) return true;
  if (earlier.unprovenRequeue === true && (earlier.status === 'queued' || earlier.status === 'failed' || earlier.status === 'reversed')) return true;
  if (earlier.status === 'queued') return earlier.possiblyTaken === true;
  if (earlier.status === 'reversed') return earlier.unverifiedFailure === true;
  return earlier.status === 'failed' && (earlier.unverifiedFailure === true || retryStillOpen(earlier, nowMs));
}

/** Within an Africa's Talking transfer's retry hours (from its last attempt, plus the grace). */
export function retryStillOpen(earlier: Pick<EarlierPayment, 'provider' | 'lastAttemptAt' | 'retryHours'>, nowMs: number): boolean {
  if (earlier.provider !== 'africastalking' || earlier.retryHours <= 0 || !earlier.lastAttemptAt) return false;
  const since = Date.parse(earlier.lastAttemptAt);
  return Number.isFinite(since) && nowMs - since <= earlier.retryHours * 3600_000 + retryGraceMs;
}

/** The states worth reading for the repeat guard; `mayHavePaid` decides among them. */
export const earlierPaymentStates: readonly TransferState[] = [...sentStates, 'failed', 'reversed', 'queued'];
