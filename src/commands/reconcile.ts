import type { GlobalOptions } from '../cli.js';
import { reconcileTransfers } from '../batch/reconcile.js';
import { ExitCode, invalidInput } from '../core/errors.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';
import { transferJson } from '../ui/transfer-view.js';
import { parseCount } from './options.js';

interface ReconcileOptions extends GlobalOptions {
  concurrency: string;
}

/** What an operator should check for a transfer no status query can resolve. */
function operatorHint(provider: string): string {
  return provider === 'africastalking'
    ? "AT has no lookup by our key: find the phone and amount in the AT dashboard's airtime transactions (or wait for its status callback), then record the outcome there; never resend under a new key"
    : 'ask the provider about this reference, or run reconcile again later';
}

export default async function reconcile(io: IO, batchId: string | undefined, options: ReconcileOptions): Promise<number> {
  const concurrency = parseCount(options.concurrency, '--concurrency', 64);
  const context = AppContext.open(options);
  try {
    if (batchId && !context.batches.get(batchId)) throw invalidInput(`no batch "${batchId}" in the journal`);
    const pending = batchId
      ? context.journal.batchPage(batchId, ['sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER)
      : [...context.journal.list({ status: 'unknown' }), ...context.journal.list({ status: 'sending' })].filter(
          (transfer) => transfer.provider === context.settings.provider,
        );
    const report = await reconcileTransfers(context, pending, concurrency);
    const unresolved = report.unresolved.map(({ transfer, reason }) => ({ ...transferJson(transfer), reason, check: operatorHint(transfer.provider) }));
    if (io.json) {
      io.printJson({ batch: batchId ?? null, checked: pending.length, resolved: report.resolved, requeued: report.requeued, unresolved });
    } else {
      io.err(
        `checked ${pending.length}: ${report.resolved} resolved, ${report.requeued} never arrived (back to queued${batchId ? `; 'airtime bulk --resume ${batchId}' sends them` : ''}), ${unresolved.length} still unknown`,
      );
      if (unresolved.length) {
        printTable(
          io,
          ['reference', 'phone', 'amount', 'reason'],
          unresolved.map((entry) => [entry.reference, entry.phone, `${entry.amount} ${entry.currency}`, entry.reason]),
        );
        io.err(`what to check: ${operatorHint(unresolved[0]?.provider ?? '')}`);
      }
    }
    return unresolved.length ? ExitCode.partial : ExitCode.ok;
  } finally {
    await context.close();
  }
}
