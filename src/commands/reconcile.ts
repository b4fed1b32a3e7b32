import { ExitCode, invalidInput } from '../core/errors.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { AppContext } from '../transfers/context.js';
import { BatchLease, HeldElsewhereError } from '../transfers/ownership.js';
import { reconcileTransfers, type ReconcileReport } from '../transfers/reconcile.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';
import { formatMoney } from '../ui/format.js';
import { transferJson } from '../ui/transfer-view.js';
import { parseCount } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface ReconcileOptions extends GlobalOptions {
  concurrency: string;
  submitted?: boolean;
}

/** What an operator should check for a transfer no status query can resolve. */
function operatorHint(provider: string): string {
  return provider === 'africastalking'
    ? "AT has no lookup by our key: find the phone and amount in the AT dashboard's airtime transactions (or wait for its status callback), then record it with 'airtime resolve REF --delivered|--failed|--not-sent --note …'; never resend under a new key"
    : "ask again later, or check the provider's portal and record what you find with 'airtime resolve REF --delivered|--failed|--not-sent --note …'";
}

/**
 * Asks each open transfer's own account about it — every provider and profile, or one batch. A batch
 * another run is sending is left to that run (its lease says who); exit 5 while any remain unknown.
 */
export default async function reconcile(io: IO, batchId: string | undefined, options: ReconcileOptions): Promise<number> {
  const concurrency = parseCount(options.concurrency, '--concurrency', 64);
  const states: TransferState[] = options.submitted ? ['sending', 'unknown', 'submitted'] : ['sending', 'unknown'];
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  const { journal } = context;
  const leases: BatchLease[] = [];
  const skipped: { batch: string; reason: string; rows: number }[] = [];
  try {
    if (batchId && !(await journal.batch(batchId))) throw invalidInput(`no batch "${batchId}" in the journal`);
    const open = batchId ? await journal.batchPage(batchId, states, 0, Number.MAX_SAFE_INTEGER) : await journal.list({ states });
    // One owner per batch: a batch being run elsewhere is not reconciled under its feet.
    const byBatch = new Map<string | null, Transfer[]>();
    for (const transfer of open) byBatch.set(transfer.batchId, [...(byBatch.get(transfer.batchId) ?? []), transfer]);
    const pending: Transfer[] = [];
    for (const [batch, transfers] of byBatch) {
      if (batch === null) {
        pending.push(...transfers);
        continue;
      }
      try {
        leases.push(await BatchLease.acquire(journal, batch));
        pending.push(...transfers);
      } catch (error) {
        if (!(error instanceof HeldElsewhereError) || batchId) throw error;
        skipped.push({ batch, reason: error.message, rows: transfers.length });
      }
    }
    const report: ReconcileReport = await reconcileTransfers(context, pending, { concurrency });
    const unresolved = report.unresolved.map(({ transfer, reason }) => ({ ...transferJson(transfer), reason, check: operatorHint(transfer.provider) }));
    if (io.json) {
      io.printJson({
        batch: batchId ?? null,
        checked: pending.length,
        resolved: report.resolved,
        inProgress: report.inProgress,
        requeued: report.requeued,
        unresolved,
        skipped,
      });
    } else {
      io.err(
        `checked ${pending.length}: ${report.resolved} resolved${report.inProgress ? `, ${report.inProgress} still in progress (submitted: nothing changed)` : ''}, ${report.requeued} never arrived (back to queued, resent under the same key, which the provider deduplicates${batchId ? `; 'airtime bulk --resume ${batchId}' sends them` : ''}), ${unresolved.length} still unknown`,
      );
      for (const entry of skipped) io.err(`skipped ${entry.rows} rows: ${entry.reason}`);
      if (unresolved.length) {
        await printTable(
          io,
          ['reference', 'provider', 'phone', 'amount', 'reason'],
          report.unresolved.map(({ transfer, reason }) => [
            safeText(transfer.reference),
            `${transfer.provider}/${safeText(transfer.profile)}`,
            safeText(transfer.phone),
            formatMoney(transfer.amountMinor, transfer.currency, io.stdoutIsTTY),
            safeText(reason),
          ]),
          { align: ['left', 'left', 'left', 'right', 'left'], shrink: [1, 4] },
        );
        io.err(`what to check: ${operatorHint(unresolved[0]?.provider ?? '')}`);
      }
    }
    return unresolved.length || skipped.length ? ExitCode.partial : ExitCode.ok;
  } finally {
    for (const lease of leases) await lease.release();
    await context.close();
  }
}
