import type { CallbackLine } from '../callbacks/line.js';
import type { IO } from './io.js';
import { safeJson, safeText } from './safe-text.js';
import { colourStatus } from './transfer-view.js';

/** Column widths: the longest provider name, an E.164 number, a large amount with its currency, `delivered`. */
const widths = { provider: 14, phone: 16, amount: 15, status: 9, reference: 24 };

/**
 * One line per request, in the style of Stripe's `listen`, in aligned columns; NDJSON on stdout with
 * `--format json`. Callbacks that were recorded go to stdout (or `toStderr`); requests turned away (401,
 * 404, 413, 400, 429) go to stderr with the reason. Every field that came from outside is made inert.
 */
export function printCallback(io: IO, line: CallbackLine, format: 'text' | 'json', toStderr = false): void {
  if (format === 'json') {
    io.out(safeJson(line));
    return;
  }
  const turnedAway = line.outcome === 'rejected' || line.outcome === 'dropped';
  const stderr = toStderr || turnedAway;
  const color = stderr ? io.errColor : io.color;
  const time = line.at.slice(11, 19);
  const text = line.flags.includes('summary')
    ? `${time}  ${color.yellow('[summary]')} ${safeText(line.reason ?? '')}`
    : `${time}  ${line.provider === null ? requestColumns(line) : line.outcome === 'rejected' ? `--> ${line.provider}` : callbackColumns(line, color)}${tail(line, color)}`;
  if (stderr) io.err(text);
  else io.out(text);
}

/** What a command waiting on its own transfers prints for each of their callbacks: a line on stderr (stdout keeps the result; nothing under --json). */
export function callbackPrinter(io: IO): (line: CallbackLine) => void {
  return (line) => {
    if (!io.json) printCallback(io, line, 'text', true);
  };
}

function callbackColumns(line: CallbackLine, color: IO['color']): string {
  const cell = (value: string | null, width: number, alignRight = false) => {
    const text = safeText(value ?? '—');
    return alignRight ? text.padStart(width) : text.padEnd(width);
  };
  const money = line.amount ? `${line.amount}${line.currency ? ` ${line.currency}` : ''}` : null;
  const status = cell(line.status, widths.status);
  const coloured =
    line.status === null
      ? status
      : line.kind === 'validation'
        ? line.status === 'Validated'
          ? color.green(status)
          : color.red(status)
        : status.replace(safeText(line.status), colourStatus(color, safeText(line.status)));
  return [
    `--> ${cell(line.provider, widths.provider)}`,
    cell(line.phone, widths.phone),
    cell(money, widths.amount, true),
    `${line.kind === 'validation' ? 'validation ' : ''}${coloured}`,
    cell(line.reference, widths.reference),
  ].join('  ');
}

/** A request no route took: its method and path are all there is to show. */
function requestColumns(line: CallbackLine): string {
  return `--> ${safeText(line.path ?? '?')}`;
}

function tail(line: CallbackLine, color: IO['color']): string {
  // Replayed from the spool, a callback was answered long ago: there is no answer to show now.
  const answered = line.httpStatus ? `  <-- ${line.httpStatus}` : '  (from the spool)';
  const flags = line.flags.length ? ` ${color.yellow(`[${line.flags.map(safeText).join(', ')}]`)}` : '';
  const reason = line.reason ? ` ${color.dim(`(${safeText(line.reason)})`)}` : '';
  const forwarded = line.forwardStatus !== undefined ? ` ${color.dim('→ forwarded')} ${safeText(String(line.forwardStatus))}` : '';
  return `${answered}${flags}${reason}${forwarded}`;
}
