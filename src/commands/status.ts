import { ExitCode } from '../core/errors.js';
import { isFinal, type TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { AppContext } from '../transfers/context.js';
import { findTransfer } from '../transfers/lookup.js';
import { reconcileTransfers } from '../transfers/reconcile.js';
import { refreshTransfer } from '../transfers/refresh.js';
import { formatMoney, formatTime } from '../ui/format.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';
import { colourStatus, displayStatus, printTransfer, transferJson } from '../ui/transfer-view.js';
import { parseCount } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface StatusOptions extends GlobalOptions {
  limit: string;
  state?: TransferState;
  batch?: string;
  refresh?: boolean;
}

export default async function status(io: IO, reference: string | undefined, options: StatusOptions): Promise<number> {
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    if (reference === undefined) return await list(io, context, options);
    const found = await findTransfer(context, reference, options);
    // Asked through the transfer's own account, whatever is active now.
    const { transfer, unresolved } = await refreshTransfer(context, found);
    printTransfer(io, transfer);
    if (unresolved) io.err(`note: ${safeText(unresolved)}`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

async function list(io: IO, context: AppContext, options: StatusOptions): Promise<number> {
  const query = { limit: parseCount(options.limit, '--limit'), status: options.state, batchId: options.batch };
  let transfers = await context.journal.list(query);
  if (options.refresh) transfers = await refresh(io, context, transfers, query);
  if (io.json) {
    io.printJson({ transfers: transfers.map(transferJson) });
    return ExitCode.ok;
  }
  if (transfers.length === 0) {
    io.err(options.state || options.batch ? 'no transfers match' : "no transfers yet: try 'airtime send +254711000100 100' on the sandbox");
    return ExitCode.ok;
  }
  const grouped = io.stdoutIsTTY;
  await printTable(
    io,
    ['reference', 'status', 'phone', 'amount', 'provider', 'created'],
    transfers.map((transfer) => [
      transfer.reference,
      colourStatus(io.color, displayStatus(transfer)),
      transfer.phone,
      formatMoney(transfer.amountMinor, transfer.currency, grouped),
      `${transfer.provider}/${transfer.profile}`,
      grouped ? formatTime(transfer.createdAt) : transfer.createdAt,
    ]),
    // The reference, phone and money are what people copy: on a narrow terminal the provider and the time give way.
    { align: ['left', 'left', 'left', 'right', 'left', 'left'], shrink: [4, 5], drop: [4, 5] },
  );
  if (!options.refresh && transfers.some((transfer) => !isFinal(transfer.status) && transfer.status !== 'queued' && transfer.status !== 'cancelled')) {
    io.err("some transfers are not final: 'airtime status --refresh' asks their providers");
  }
  return ExitCode.ok;
}

/**
 * `--refresh`: asks each listed transfer that is not final (submitted ones too) through its own account and
 * lists again. It only records answers: putting a transfer back to `queued` is reconcile's job, under the
 * batch's lease.
 */
async function refresh(io: IO, context: AppContext, transfers: Transfer[], query: Parameters<AppContext['journal']['list']>[0]): Promise<Transfer[]> {
  const open = transfers.filter((transfer) => transfer.status === 'submitted' || transfer.status === 'sending' || transfer.status === 'unknown');
  if (open.length === 0) return transfers;
  const report = await reconcileTransfers(context, open, { kind: 'status', requeue: false, concurrency: 4 });
  io.err(
    `asked about ${open.length} transfers: ${report.resolved} answered${report.unresolved.length ? `, ${report.unresolved.length} could not be asked` : ''}`,
  );
  return context.journal.list(query);
}
