import Table from 'cli-table3';
import stringWidth from 'string-width';
import type { IO } from './io.js';
import { fitWidths, gap, tableWidth, type TableOptions } from './table.js';

/**
 * A table on a TTY, as gh prints one: no borders and no line between rows, columns two spaces apart,
 * numbers right-aligned, and cells cut with "…" so that the table fits the terminal.
 */
export function renderTable(io: IO, head: string[], rows: string[][], options: TableOptions = {}): void {
  const available = options.width ?? (process.stdout.columns || 80);
  const alignOf = (index: number) => options.align?.[index] ?? 'left';
  const naturalOf = (index: number) => Math.max(stringWidth(head[index] ?? ''), ...rows.map((row) => stringWidth(row[index] ?? '')));
  const all = head.map((_, index) => index);
  const shrinkable = options.shrink ?? all.filter((index) => index > 0 && alignOf(index) === 'left');
  const drops = options.drop ?? [];
  // Whole columns first: leave out the droppable ones, one by one, until the rest fits uncut; only when
  // nothing fits whole are cells cut (with as few columns left out as that needs).
  const attempts = drops.map((_, count) => all.filter((index) => !drops.slice(0, count + 1).includes(index)));
  let columns = all;
  let widths = all.map(naturalOf);
  const whole = [all, ...attempts].find((candidate) => tableWidth(candidate.map(naturalOf)) <= available);
  if (whole) {
    columns = whole;
    widths = whole.map(naturalOf);
  } else {
    for (const candidate of [all, ...attempts]) {
      columns = candidate;
      widths = fitWidths(
        candidate.map(naturalOf),
        candidate.flatMap((index, at) => (shrinkable.includes(index) ? [at] : [])),
        available,
      );
      if (tableWidth(widths) <= available) break;
    }
  }
  const align = columns.map(alignOf);
  const table = new Table({
    head: columns.map((index) => io.color.bold(head[index] ?? '')),
    colWidths: widths,
    colAligns: align,
    wordWrap: false,
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' '.repeat(gap),
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows.map((row) => columns.map((index) => row[index] ?? '')));
  // cli-table3 pads the last column too: trailing spaces would wrap a full-width line on some terminals.
  io.out(
    table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n'),
  );
}
