import { setTimeout as delay } from 'node:timers/promises';
import type { AppContext } from '../transfers/context.js';
import { reconcileTransfers } from '../transfers/reconcile.js';

/**
 * Polls the provider until every transfer of the batch is final or the deadline passes. Rows that a
 * callback listener finalises meanwhile are simply not asked about again. Waiting only asks: it never
 * puts a row back to queued.
 */
export async function waitForBatch(
  context: AppContext,
  batchId: string,
  timeoutMs: number,
  onPending?: (pending: number) => void,
  concurrency = 8,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pause = 250;
  for (;;) {
    const pending = await context.journal.batchPage(batchId, ['sending', 'submitted', 'unknown'], 0, Number.MAX_SAFE_INTEGER);
    onPending?.(pending.length);
    if (pending.length === 0 || Date.now() >= deadline) return pending.length;
    const report = await reconcileTransfers(context, pending, { kind: 'status', requeue: false, concurrency }).catch(() => undefined);
    // Rows no status query can settle (a callback or an operator must) are not waited for.
    const stuck = report?.unresolved.filter((entry) => entry.needsOperator).length ?? 0;
    if (report && stuck > 0 && stuck === pending.length) return pending.length;
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())));
    pause = Math.min(pause * 1.5, 2000);
  }
}
