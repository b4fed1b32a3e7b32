import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tokensText } from '../core/meter.js';
import { formatMinor } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';
import type { RowError } from './validate.js';

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
    yield ['line', 'reference', 'phone', 'amount', 'currency', 'status', 'providerReference', 'error', 'tokens'].join(',');
    for (const transfer of transfers) {
      yield [
        transfer.line,
        transfer.reference,
        transfer.phone,
        formatMinor(transfer.amountMinor, transfer.currency),
        transfer.currency,
        transfer.status,
        transfer.providerReference,
        transfer.error,
        // ZESA: every token in entry order, named, with the units; empty for airtime and data.
        tokensText(transfer.details?.tokens, transfer.details?.units),
      ]
        .map(csvCell)
        .join(',');
    }
  }
  await writeLines(path, lines());
}

/** `--errors-out`: the bad rows as they were, plus line and reason, ready to fix and upload again. */
export function errorsWriter(path: string): { write(header: readonly string[], error: RowError): Promise<void>; close(): Promise<void> } {
  const stream = createWriteStream(path, { mode: 0o600 });
  let wroteHeader = false;
  return {
    async write(header, error) {
      if (!wroteHeader) {
        stream.write(`${[...header, 'line', 'reason'].map(csvCell).join(',')}\n`);
        wroteHeader = true;
      }
      if (!stream.write(`${[...error.fields, error.line, error.reason].map(csvCell).join(',')}\n`)) await once(stream, 'drain');
    },
    async close() {
      stream.end();
      await once(stream, 'finish');
    },
  };
}
