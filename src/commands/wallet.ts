import { ExitCode, usageError } from '../core/errors.js';
import { formatMinor } from '../core/money.js';
import { formatAmount, formatTime } from '../ui/format.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';
import { parseCount } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface WalletOptions extends GlobalOptions {
  ledger?: boolean;
  limit: string;
}

export default async function wallet(io: IO, options: WalletOptions): Promise<number> {
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const provider = await context.provider();
    if (options.ledger) {
      if (!provider.ledger || !provider.capabilities.ledger) {
        throw usageError(`${provider.name} has no ledger to list: only zw and the sandbox keep one (choose one with --provider or --profile)`);
      }
      const entries = await provider.ledger(parseCount(options.limit, '--limit'));
      const rows = entries.map((entry) => ({ ...entry, amount: formatMinor(entry.minor, entry.currency) }));
      if (io.json) io.printJson({ provider: provider.name, entries: rows.map(({ minor: _minor, ...rest }) => rest) });
      else
        await printTable(
          io,
          ['at', 'kind', 'amount', 'currency', 'reference', 'description'],
          rows.map((row) => [
            io.stdoutIsTTY ? formatTime(row.at) : row.at,
            row.kind,
            formatAmount(row.minor, row.currency, io.stdoutIsTTY),
            row.currency,
            safeText(row.reference ?? ''),
            safeText(row.description),
          ]),
          { align: ['left', 'left', 'right', 'left', 'left', 'left'], shrink: [5] },
        );
      return ExitCode.ok;
    }
    if (!provider.capabilities.balance) throw usageError(`${provider.name} publishes no balance: check it in the provider's portal`);
    const read = await provider.balance();
    const balances = read.map((balance) => ({ provider: provider.name, currency: balance.currency, amount: formatMinor(balance.minor, balance.currency) }));
    if (io.json) io.printJson({ balances });
    else
      await printTable(
        io,
        ['provider', 'currency', 'amount'],
        read.map((balance) => [provider.name, balance.currency, formatAmount(balance.minor, balance.currency, io.stdoutIsTTY)]),
        { align: ['left', 'left', 'right'] },
      );
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
