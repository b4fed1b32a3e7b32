import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse, type Parser } from 'csv-parse';
import { invalidInput } from '../core/errors.js';

export interface CsvRecord {
  readonly fields: string[];
  /** Line of the file where the record starts (1-based, counting the header). */
  readonly line: number;
}

const maxRecordBytes = 64 * 1024;

/** Reads the start of the file to name what is wrong with it before parsing: encoding, binary, empty. */
async function sniff(path: string): Promise<{ delimiter: string }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw invalidInput(`file "${path}" cannot be read: check the path`);
  }
  if (size === 0) throw invalidInput(`file "${path}" is empty: export the sheet again with a header row and data`);
  const handle = await open(path, 'r');
  const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
  try {
    await handle.read(buffer, 0, buffer.length, 0);
  } finally {
    await handle.close();
  }
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    throw invalidInput(`file "${path}" is UTF-16 text: save it as "CSV UTF-8" and try again`);
  }
  if (buffer.includes(0)) throw invalidInput(`file "${path}" is not a text CSV (it holds binary data): export the sheet as CSV`);
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
  return { delimiter: detectDelimiter(text) };
}

/** Picks the delimiter that splits the header line most (comma, semicolon or tab), outside quotes. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

/**
 * Streams a CSV's records, values kept as strings, BOM removed, delimiter detected, record size capped.
 * The header is the first record. `onBytes` sees every byte of the file as it is read (to hash it in the
 * same pass).
 */
export async function* readCsv(path: string, onBytes?: (chunk: Buffer) => void): AsyncGenerator<CsvRecord> {
  const { delimiter } = await sniff(path);
  // Line numbers are counted here rather than with csv-parse's `info`, which costs more than the parse
  // itself on a large file: a record starts one line after the previous one, plus the newlines inside its
  // quoted fields. Empty lines are kept as records so that they are counted too.
  const source = createReadStream(path);
  if (onBytes) source.on('data', (chunk) => onBytes(chunk as Buffer));
  const parser: Parser = source.pipe(
    parse({
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: maxRecordBytes,
    }),
  );
  let line = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      yield { fields: record, line };
      line += 1;
      for (const field of record) {
        for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) line += 1;
      }
    }
  } catch (error) {
    throw csvProblem(path, error);
  }
}

/**
 * csv-parse's errors as one line each. Its codes mostly start with CSV_, but not all of them in version 6
 * (INVALID_OPENING_QUOTE), so a parse error is recognised by having a code and a line, whatever the code.
 */
function csvProblem(path: string, error: unknown): unknown {
  const { code, lines, field } = error as { code?: unknown; lines?: unknown; field?: unknown };
  if (typeof code !== 'string' || typeof lines !== 'number') return error;
  const where = ` near line ${lines}`;
  switch (code) {
    case 'CSV_MAX_RECORD_SIZE':
      return invalidInput(`file "${path}" has a field over ${maxRecordBytes / 1024} KiB${where}: is a quote left open?`);
    case 'CSV_QUOTE_NOT_CLOSED':
      return invalidInput(`file "${path}" has a quote that is never closed${where}: fix the quoting and try again`);
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE': {
      const start = typeof field === 'string' && field.trim() ? ` (after "${field.trim()}")` : '';
      return invalidInput(
        `file "${path}" line ${lines} has a quote inside a cell that does not start with one${start}: quote the whole cell and double the inner quotes ("Joe ""JJ"" Smith"), or remove them`,
      );
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
      return invalidInput(
        `file "${path}" line ${lines} has text right after a closing quote: quote the whole cell and double the inner quotes, or remove them`,
      );
    default:
      return invalidInput(`file "${path}" is not valid CSV${where}: ${(error as Error).message}`);
  }
}
