import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatMinor } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';

/**
 * Quotes a CSV cell when it needs it. Written by hand: it is the whole of what we need from a CSV
 * writer, and it keeps a dependency out of the install.
 */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: prefix it with a quote.
  const safe = /^[=+\-@]/.test(text) && !/^[+-]?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n;\t]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const stream = createWriteStream(path, { mode: 0o600 });
  for (const line of lines) {
    if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

/** `--out`: one row per transfer, ready for a spreadsheet. */
export async function writeResults(path: string, transfers: Iterable<Transfer>): Promise<void> {
  function* lines() {
    yield ['line', 'reference', 'phone', 'amount', 'currency', 'status', 'providerReference', 'error'].join(',');
    for (const transfer of transfers) {
      yield [transfer.line, transfer.reference, transfer.phone, formatMinor(transfer.amountMinor, transfer.currency), transfer.currency, transfer.status, transfer.providerReference, transfer.error]
        .map(csvCell)
        .join(',');
    }
  }
  await writeLines(path, lines());
}
