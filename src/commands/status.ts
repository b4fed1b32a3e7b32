import type { GlobalOptions } from '../cli.js';
import { ExitCode } from '../core/errors.js';
import type { TransferState } from '../core/transfer-state.js';
import { AppContext } from '../transfers/context.js';
import { findTransfer } from '../transfers/lookup.js';
import { refreshTransfer } from '../transfers/refresh.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';
import { colourStatus, printTransfer, transferJson } from '../ui/transfer-view.js';
import { parseCount } from './options.js';

interface StatusOptions extends GlobalOptions {
  limit: string;
  state?: TransferState;
  batch?: string;
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
  const transfers = await context.journal.list({ limit: parseCount(options.limit, '--limit'), status: options.state, batchId: options.batch });
  if (io.json) {
    io.printJson({ transfers: transfers.map(transferJson) });
    return ExitCode.ok;
  }
  if (transfers.length === 0) {
    io.err("no transfers yet: try 'airtime send +254711000100 100' on the sandbox");
    return ExitCode.ok;
  }
  printTable(
    io,
    ['reference', 'status', 'phone', 'amount', 'provider', 'created'],
    transfers.map((transfer) => {
      const json = transferJson(transfer);
      return [
        json.reference,
        colourStatus(io.color, json.status),
        json.phone,
        `${json.amount} ${json.currency}`,
        `${json.provider}/${json.profile}`,
        json.createdAt,
      ];
    }),
  );
  return ExitCode.ok;
}
