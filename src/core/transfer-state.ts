/** The unified transfer states (DESIGN.md → Unified transfer states). */
export const transferStates = ['queued', 'sending', 'submitted', 'delivered', 'failed', 'unknown', 'reversed'] as const;
export type TransferState = (typeof transferStates)[number];

export const finalStates: ReadonlySet<TransferState> = new Set(['delivered', 'failed', 'reversed']);

const allowed: Record<TransferState, readonly TransferState[]> = {
  queued: ['sending'],
  // sending → queued only with proof the request never left (connection refused, rate limited, auth refused).
  // A reversal implies a delivery we may not have heard of yet: it is final news from any open state.
  sending: ['submitted', 'delivered', 'failed', 'unknown', 'queued', 'reversed'],
  submitted: ['delivered', 'failed', 'reversed'],
  // unknown → queued only when a provider that deduplicates on our key says it never saw the transfer.
  unknown: ['submitted', 'delivered', 'failed', 'queued', 'reversed'],
  delivered: ['reversed'],
  failed: [],
  reversed: [],
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
 * would move a final transfer backwards (an out-of-order callback) is `refused` and changes nothing.
 */
export function judgeTransition(from: TransferState, to: TransferState): TransitionVerdict {
  if (from === to) return { kind: 'same' };
  if (allowed[from].includes(to)) return { kind: 'move' };
  return { kind: 'refused', reason: `${from} → ${to} is not allowed` };
}
