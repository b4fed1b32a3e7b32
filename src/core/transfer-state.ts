/** The unified transfer states (DESIGN.md → Unified transfer states), plus `cancelled`: journaled, never sent. */
export const transferStates = ['queued', 'sending', 'submitted', 'delivered', 'failed', 'unknown', 'reversed', 'cancelled'] as const;
export type TransferState = (typeof transferStates)[number];

export const finalStates: ReadonlySet<TransferState> = new Set(['delivered', 'failed', 'reversed', 'cancelled']);

/** States in which money may be out or on its way: what the repeat guard and the balance care about. */
export const sentStates: readonly TransferState[] = ['sending', 'submitted', 'delivered', 'unknown'];

/** States a status query or a callback may still move. */
export const openStates: readonly TransferState[] = ['sending', 'submitted', 'unknown'];

/**
 * Who says a transfer moves. A move is judged by its cause, so that the one thing money depends on —
 * getting back to `queued`, from where a transfer is sent again — has only the narrow doors it needs:
 *
 * - `claim`: a sender takes a queued transfer (write-ahead, before the request leaves).
 * - `answer`: a provider's answer to a send or a status query.
 * - `callback`: a provider's callback. Forward only: to submitted or a final state, never back to queued,
 *   sending or unknown (a forged or stale callback must not make a paid transfer payable again).
 * - `not-sent`: local proof that the request never left (connection refused, a claim never handed over).
 * - `requeue`: reconcile's "not found" about that exact request, where the provider documents that it
 *   deduplicates our key (zw, the sandbox): the resend is the same transfer. The row stays possibly paid for
 *   the repeat guard (details.possiblyTaken) until its resend is answered.
 * - `operator`: a person's decision recorded with `airtime resolve` (e.g. after checking a dashboard).
 * - `cancel`: a batch or transfer withdrawn before it was sent.
 * - `retried-delivery`: a provider that was asked to retry failed deliveries (Africa's Talking `maxNumRetry`)
 *   reports success after it reported failure, within the retry hours: `failed` → `delivered` only. The
 *   money moved after all; the event is flagged (callbacks/record.ts decides when this cause applies).
 */
export type TransitionCause = 'claim' | 'answer' | 'callback' | 'not-sent' | 'requeue' | 'operator' | 'cancel' | 'retried-delivery';

const providerNews: Partial<Record<TransferState, readonly TransferState[]>> = {
  sending: ['submitted', 'delivered', 'failed', 'unknown', 'reversed'],
  // A reversal implies a delivery we may not have heard of yet: it is final news from any open state.
  unknown: ['submitted', 'delivered', 'failed', 'reversed'],
  submitted: ['delivered', 'failed', 'reversed'],
  delivered: ['reversed'],
};

const allowed: Record<TransitionCause, Partial<Record<TransferState, readonly TransferState[]>>> = {
  claim: { queued: ['sending'] },
  answer: providerNews,
  callback: {
    sending: ['submitted', 'delivered', 'failed', 'reversed'],
    unknown: ['submitted', 'delivered', 'failed', 'reversed'],
    submitted: ['delivered', 'failed', 'reversed'],
    delivered: ['reversed'],
  },
  'not-sent': { sending: ['queued'] },
  requeue: { sending: ['queued'], unknown: ['queued'] },
  operator: { sending: ['delivered', 'failed', 'queued'], unknown: ['delivered', 'failed', 'queued'], submitted: ['delivered', 'failed'] },
  cancel: { queued: ['cancelled'] },
  'retried-delivery': { failed: ['delivered'] },
};

export function isFinal(state: TransferState): boolean {
  return finalStates.has(state);
}

export function isTransferState(value: string): value is TransferState {
  return (transferStates as readonly string[]).includes(value);
}

export type TransitionVerdict = { readonly kind: 'move' } | { readonly kind: 'same' } | { readonly kind: 'refused'; readonly reason: string };

/**
 * The one place that decides whether a transfer may move. A duplicate answer is `same`; an answer that
 * would move a transfer where its cause may not take it (an out-of-order callback, a forged requeue) is
 * `refused` and changes nothing.
 */
export function judgeTransition(from: TransferState, to: TransferState, cause: TransitionCause): TransitionVerdict {
  if (from === to) return { kind: 'same' };
  if (allowed[cause][from]?.includes(to)) return { kind: 'move' };
  return { kind: 'refused', reason: `${from} → ${to} is not allowed for ${cause === 'answer' ? 'a provider answer' : `a ${cause}`}` };
}
