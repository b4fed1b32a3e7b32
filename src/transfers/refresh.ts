import { setTimeout as delay } from 'node:timers/promises';
import { isFinal } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from './context.js';
import { reconcileTransfers } from './reconcile.js';

export interface RefreshResult {
  readonly transfer: Transfer;
  /** Why the provider could not tell (no status query, not found); null when it answered. */
  readonly unresolved: string | null;
}

/**
 * Asks a transfer's own account about it (if it is not final) and records the answer. A transfer still
 * `queued` was never sent: there is nothing to ask. `requeue` lets a proven "never arrived" put it back to
 * queued (a status query may; a wait only watches).
 */
export async function refreshTransfer(context: AppContext, transfer: Transfer, options: { kind?: string; requeue?: boolean } = {}): Promise<RefreshResult> {
  if (isFinal(transfer.status) || transfer.status === 'queued') return { transfer, unresolved: null };
  const report = await reconcileTransfers(context, [transfer], { kind: options.kind ?? 'status', requeue: options.requeue ?? true, concurrency: 1 });
  const after = (await context.journal.get(transfer.id)) ?? transfer;
  const unresolved =
    report.unresolved[0]?.reason ?? (report.requeued ? `${transfer.provider} has no record of it: it is queued again, to be sent under the same key` : null);
  return { transfer: after, unresolved };
}

/** Polls until the transfer is final, the deadline passes or `stop` is aborted (Ctrl-C); returns the last journal state. */
export async function waitForFinal(
  context: AppContext,
  id: number,
  timeoutMs: number,
  onTick?: (transfer: Transfer) => void,
  stop?: AbortSignal,
): Promise<Transfer> {
  const deadline = Date.now() + timeoutMs;
  let pause = 200;
  for (;;) {
    const current = await context.journal.get(id);
    if (!current) throw new Error(`transfer ${id} vanished from the journal`);
    onTick?.(current);
    if (isFinal(current.status) || Date.now() >= deadline || stop?.aborted) return current;
    const { transfer } = await refreshTransfer(context, current, { requeue: false }).catch(() => ({ transfer: current }));
    if (isFinal(transfer.status) || stop?.aborted) return transfer;
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())), undefined, { signal: stop }).catch(() => undefined);
    pause = Math.min(pause * 1.5, 2000);
  }
}
