import type { CallbackLine } from '../callbacks/listener.js';
import type { IO } from './io.js';
import { colourStatus } from './transfer-view.js';

/** One line per callback, in the style of Stripe's `listen`; NDJSON on stdout with --format json. */
export function printCallback(io: IO, line: CallbackLine, format: 'text' | 'json', toStderr = false): void {
  if (format === 'json') {
    io.out(JSON.stringify(line));
    return;
  }
  const color = toStderr ? io.errColor : io.color;
  const time = line.at.slice(11, 19);
  const money = line.amount ? `${line.amount}${line.currency ? ` ${line.currency}` : ''}` : '—';
  const status = !line.status
    ? '—'
    : line.kind === 'validation'
      ? line.status === 'Validated'
        ? color.green(line.status)
        : color.red(line.status)
      : colourStatus(color, line.status);
  const flags = line.flags.length ? ` ${color.yellow(`[${line.flags.join(', ')}]`)}` : '';
  const reason = line.reason ? color.dim(` (${line.reason})`) : '';
  const forwarded = line.forwardStatus !== undefined ? ` ${color.dim('→ forwarded')} ${line.forwardStatus}` : '';
  const text = `${time}  --> ${line.provider}${line.kind === 'validation' ? ' validation' : ''}  ${line.phone ?? '—'}  ${money}  ${status}  ${line.reference ?? '—'}  <-- ${line.httpStatus}${flags}${reason}${forwarded}`;
  if (toStderr) io.err(text);
  else io.out(text);
}
