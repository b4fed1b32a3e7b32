import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from './context.js';

export type OperatorDecision = 'delivered' | 'failed' | 'not-sent';

const target: Record<OperatorDecision, TransferState> = { delivered: 'delivered', failed: 'failed', 'not-sent': 'queued' };

export interface ResolveOutcome {
  readonly transfer: Transfer;
  readonly applied: boolean;
  readonly reason: string | null;
}

/**
 * Records what only the operator knows (e.g. after checking the provider's dashboard) as an event with who
 * and why. `not-sent` is the only way a transfer that may have left becomes sendable again; it is sent
 * afresh (a new request), since the operator vouches that the earlier one never arrived.
 */
export async function resolveTransfers(
  context: AppContext,
  transfers: readonly Transfer[],
  decision: OperatorDecision,
  note: string,
): Promise<ResolveOutcome[]> {
  const by = await context.journal.whoami();
  const results = await context.journal.observeMany(
    transfers.map((transfer) => ({
      id: transfer.id,
      observation: {
        kind: 'resolve',
        cause: 'operator',
        status: target[decision],
        error: decision === 'delivered' ? null : `${decision === 'failed' ? 'failed' : 'not sent'} (operator: ${note})`,
        note,
        payload: { decision, note, by },
      },
    })),
  );
  return transfers.map((transfer, index) => {
    const result = results[index];
    const applied = result?.outcome === 'moved';
    return {
      transfer: result?.transfer ?? transfer,
      applied,
      reason: applied ? null : result?.outcome === 'same' ? `already ${transfer.status}` : `a ${transfer.status} transfer cannot be marked ${decision}`,
    };
  });
}
