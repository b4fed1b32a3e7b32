import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from '../transfers/context.js';
import { failpoint } from '../failpoints.js';
import { refreshTransfer } from '../transfers/refresh.js';

export interface ReconcileReport {
  resolved: number;
  requeued: number;
  unresolved: { transfer: Transfer; reason: string }[];
}

/**
 * Resolves transfers in `sending` or `unknown` by asking the provider — never by sending under a new
 * key. A provider that deduplicates on our key and has no record of one proves it never arrived: it goes
 * back to `queued`, to be sent again under the same key.
 */
export async function reconcileTransfers(context: AppContext, transfers: readonly Transfer[], concurrency = 4): Promise<ReconcileReport> {
  const provider = await context.provider();
  const report: ReconcileReport = { resolved: 0, requeued: 0, unresolved: [] };
  const queue = [...transfers];
  const worker = async () => {
    for (let transfer = queue.shift(); transfer; transfer = queue.shift()) {
      try {
        const { transfer: after, unresolved } = await refreshTransfer(context, transfer, 'reconcile');
        failpoint('during-reconcile');
        if (!unresolved) {
          if (after.status !== 'unknown' && after.status !== 'sending') report.resolved += 1;
          else report.unresolved.push({ transfer: after, reason: `${provider.name} still reports it in progress` });
          continue;
        }
        const canRequeue = provider.capabilities.dedupesOnKey && provider.capabilities.statusQuery === 'by-our-reference' && after.provider === provider.name;
        if (canRequeue) {
          context.journal.observe(after.reference, { kind: 'reconcile', status: 'queued', error: `not sent: ${provider.name} has no record of it` });
          report.requeued += 1;
        } else {
          context.journal.observe(after.reference, { kind: 'reconcile', status: 'unknown', error: unresolved });
          report.unresolved.push({ transfer: context.journal.get(after.reference) ?? after, reason: unresolved });
        }
      } catch (error) {
        report.unresolved.push({ transfer, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return report;
}
