import Table from 'cli-table3';
import stringWidth from 'string-width';
import type { IO } from './io.js';

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column; numbers and money read best right-aligned. */
  readonly align?: readonly Align[];
  /** Terminal width to fit (the terminal's own unless told). */
  readonly width?: number;
}

const gap = 2;
const minimumWidth = 6;

/** Column widths that fit `available`: the widest left-aligned (text) columns give way first, down to a minimum. */
export function fitWidths(natural: readonly number[], align: readonly Align[], available: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, widths.length - 1);
  for (let guard = 0; total() > available && guard < 10_000; guard += 1) {
    let widest = -1;
    for (let index = 0; index < widths.length; index += 1) {
      if (align[index] === 'right' || (widths[index] ?? 0) <= minimumWidth) continue;
      if (widest === -1 || (widths[index] ?? 0) > (widths[widest] ?? 0)) widest = index;
    }
    if (widest === -1) break;
    widths[widest] = Math.max(minimumWidth, (widths[widest] ?? 0) - Math.max(1, total() - available));
  }
  return widths;
}

/**
 * A table on a TTY, as gh prints one: no borders and no line between rows, columns two spaces apart,
 * numbers right-aligned, and cells cut with "…" so that the table fits the terminal. Off a TTY:
 * tab-separated lines with a header row, never cut (friendly to cut, awk, sort).
 */
export function printTable(io: IO, head: string[], rows: string[][], options: TableOptions = {}): void {
  if (!io.stdoutIsTTY) {
    io.out([head, ...rows].map((row) => row.join('\t')).join('\n'));
    return;
  }
  const align = head.map((_, index) => options.align?.[index] ?? 'left');
  const natural = head.map((cell, index) => Math.max(stringWidth(cell), ...rows.map((row) => stringWidth(row[index] ?? ''))));
  const widths = fitWidths(natural, align, options.width ?? (process.stdout.columns || 80));
  const table = new Table({
    head: head.map((cell) => io.color.bold(cell)),
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
  table.push(...rows);
  // cli-table3 pads the last column too: trailing spaces would wrap a full-width line on some terminals.
  io.out(
    table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n'),
  );
}
