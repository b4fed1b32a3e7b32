import { OutputFile } from '../output-file.js';
import { tokensText } from '../core/meter.js';
import { formatMinor } from '../core/money.js';
import type { RecipientDefaults } from '../core/recipient.js';
import { transferStates } from '../core/transfer-state.js';
import type { Batch } from '../journal/batch.js';
import type { Journal } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';
import { hashFile } from './batch-identity.js';
import { emptySummary, validateFile, type RowError } from './validate.js';

// A cell a spreadsheet would run as a formula: =, +, - or @ first (and their full-width forms, which
// some spreadsheets fold to ASCII), or a tab or carriage return first (OWASP, CSV injection).
const formulaStart = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
// …unless the whole cell is a plain number: +254711000100 (E.164) and -5.00 stay readable and cannot run.
const plainNumber = /^[+-]?\d+(?:\.\d+)?$/;

/** Neutralises a cell a spreadsheet could run as a formula by putting a quote before it, as OWASP recommends. */
export function spreadsheetSafe(text: string): string {
  return formulaStart.test(text) && !plainNumber.test(text) ? `'${text}` : text;
}

/**
 * One CSV cell: neutralised, then quoted when it needs it. Written by hand: it is the whole of what we
 * need from a CSV writer, and it keeps a dependency out of the install.
 */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = spreadsheetSafe(text);
  return /[",\r\n;\t]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const csvLine = (cells: readonly (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\n`;

/** The columns a results file adds after the input's own; prefixed so that they never collide with an input column. */
export const resultColumns = [
  'result_line',
  'result_status',
  'result_key',
  'result_phone',
  'result_amount',
  'result_currency',
  'result_provider_reference',
  'result_error',
  'result_updated_at',
  'result_tokens',
] as const;

function resultCells(transfer: Transfer): (string | number | null)[] {
  return [
    transfer.line,
    transfer.status,
    transfer.reference,
    transfer.phone,
    formatMinor(transfer.amountMinor, transfer.currency),
    transfer.currency,
    transfer.providerReference,
    transfer.error,
    transfer.updatedAt,
    // ZESA: every token in entry order, named, with the units; empty for airtime and data.
    tokensText(transfer.details?.tokens, transfer.details?.units),
  ];
}

class CsvWriter {
  private readonly file: OutputFile;

  constructor(path: string) {
    this.file = new OutputFile(path);
  }

  async line(cells: readonly (string | number | null | undefined)[]): Promise<void> {
    await this.file.write(csvLine(cells));
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/** A batch's transfers in file order, a page at a time (a million rows never sit in memory at once). */
async function* transfersInOrder(journal: Journal, batchId: string): AsyncGenerator<Transfer> {
  let afterLine = -1;
  for (;;) {
    const page = await journal.batchPage(batchId, transferStates, afterLine, 5000);
    yield* page;
    if (page.length < 5000) return;
    afterLine = page.at(-1)?.line ?? afterLine;
  }
}

export interface ResultsWritten {
  /** Whether the input's own columns are in the file (its file was found unchanged). */
  readonly inputColumns: boolean;
  /** Why they are not. */
  readonly why?: string;
}

export interface ResultsOptions {
  /** The file this command was given, if any: used when it is the batch's file, byte for byte. */
  readonly file?: string | undefined;
  /** The defaults the rows were validated with (country, currency, limits): rows not in the batch are named invalid or skipped by them. */
  readonly defaults: RecipientDefaults;
}

/**
 * `--out`: every row of the input file with all of its columns, then the result columns. The journal keeps
 * only what paying needs (phone, amount, note), so the input's other columns are read again from the
 * batch's file — the path it was made from or the one given now — and only if its SHA-256 is the batch's
 * own (docs/decisions.md). Rows the batch does not pay are there too: `invalid` with the reason, or
 * `skipped` (paid by an earlier batch, or left out as a repeat). Without the file, the journal's rows alone.
 */
export async function writeResults(path: string, journal: Journal, batch: Batch, options: ResultsOptions): Promise<ResultsWritten> {
  const source = await unchangedFile(batch, options.file);
  const writer = new CsvWriter(path);
  try {
    if (!source.path) {
      await writer.line(resultColumns);
      for await (const transfer of transfersInOrder(journal, batch.id)) await writer.line(resultCells(transfer));
      return { inputColumns: false, why: source.why };
    }
    const transfers = transfersInOrder(journal, batch.id);
    let pending = (await transfers.next()).value as Transfer | undefined;
    const summary = emptySummary();
    let width = 0;
    const blank = () => Array.from({ length: resultColumns.length }, () => '');
    for await (const result of validateFile(source.path, options.defaults, summary)) {
      if (width === 0) {
        width = summary.header.length;
        await writer.line([...summary.header, ...resultColumns]);
      }
      const line = result.ok ? result.row.line : result.error.line;
      const fields = padded(result.ok ? result.fields : result.error.fields, width);
      // Transfers the file no longer shows at their line (cannot happen with an unchanged file) still get a row.
      while (pending && (pending.line ?? 0) < line) {
        await writer.line([...padded([], width), ...resultCells(pending)]);
        pending = (await transfers.next()).value as Transfer | undefined;
      }
      if (pending?.line === line) {
        await writer.line([...fields, ...resultCells(pending)]);
        pending = (await transfers.next()).value as Transfer | undefined;
      } else if (!result.ok) {
        await writer.line([...fields, ...notPaid(line, 'invalid', result.error)]);
      } else {
        const cells = blank();
        cells[0] = String(line);
        cells[1] = 'skipped';
        cells[7] = 'not in this batch: paid by an earlier batch, or left out as a repeat';
        await writer.line([...fields, ...cells]);
      }
    }
    while (pending) {
      await writer.line([...padded([], width), ...resultCells(pending)]);
      pending = (await transfers.next()).value as Transfer | undefined;
    }
    return { inputColumns: true };
  } finally {
    await writer.close();
  }
}

/**
 * Exactly `width` input cells, so the result columns stay under their headers: a short row is padded; a
 * ragged row's surplus fields stay in its last cell, joined as they were, rather than shifting every result.
 */
function padded(fields: readonly string[], width: number): string[] {
  if (width > 0 && fields.length > width) return [...fields.slice(0, width - 1), fields.slice(width - 1).join(',')];
  const cells = [...fields];
  while (cells.length < width) cells.push('');
  return cells;
}

function notPaid(line: number, status: string, error: RowError): string[] {
  const cells = Array.from({ length: resultColumns.length }, () => '');
  cells[0] = String(line);
  cells[1] = status;
  cells[7] = `${error.column === '*' ? '' : `${error.column}: `}${error.reason}`;
  return cells;
}

/** The batch's file, if it is still where it was (or given now) and unchanged; otherwise why not. */
async function unchangedFile(batch: Batch, given: string | undefined): Promise<{ path?: string; why: string }> {
  const candidates = [given, batch.filePath].filter((candidate): candidate is string => Boolean(candidate));
  for (const candidate of candidates) {
    const hash = await hashFile(candidate).catch(() => undefined);
    if (hash === batch.fileHash) return { path: candidate, why: '' };
  }
  return {
    why: `${batch.fileName} is no longer at ${batch.filePath ?? 'the path it was read from'} unchanged (its columns are read from there, checked by its SHA-256)`,
  };
}

/** `--errors-out`: the bad rows as they were, plus line and reason, ready to fix and upload again. */
export function errorsWriter(path: string): { write(header: readonly string[], error: RowError): Promise<void>; close(): Promise<void> } {
  const writer = new CsvWriter(path);
  let wroteHeader = false;
  return {
    async write(header, error) {
      if (!wroteHeader) {
        await writer.line([...header, 'line', 'reason']);
        wroteHeader = true;
      }
      await writer.line([...error.fields, error.line, error.reason]);
    },
    close: () => writer.close(),
  };
}
