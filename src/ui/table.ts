import type { IO } from './io.js';

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column; numbers and money read best right-aligned. */
  readonly align?: readonly Align[];
  /** Columns that may be cut with "…" (all but the first left-aligned ones unless told): ids and money never should be. */
  readonly shrink?: readonly number[];
  /** Columns left out, in this order, when the table does not fit even cut. */
  readonly drop?: readonly number[];
  /** Terminal width to fit (the terminal's own unless told). */
  readonly width?: number;
}

export const gap = 2;
const minimumWidth = 8;

export const tableWidth = (widths: readonly number[]) => widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, widths.length - 1);

/**
 * Column widths that fit `available`: the widest cuttable column gives one character at a time (so that
 * the cut is shared, not taken from one column), down to a minimum. May still be too wide.
 */
export function fitWidths(natural: readonly number[], shrink: readonly number[], available: number): number[] {
  const widths = [...natural];
  for (let excess = tableWidth(widths) - available; excess > 0; excess -= 1) {
    let widest = -1;
    for (const index of shrink) {
      const width = widths[index] ?? 0;
      if (width > minimumWidth && (widest === -1 || width > (widths[widest] ?? 0))) widest = index;
    }
    if (widest === -1) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/**
 * A table on a TTY, as gh prints one (ui/tty-table.ts, loaded only then: its width library costs start-up
 * time a pipe does not need). Off a TTY: tab-separated lines with a header row, never cut (friendly to
 * cut, awk, sort).
 */
export async function printTable(io: IO, head: string[], rows: string[][], options: TableOptions = {}): Promise<void> {
  if (!io.stdoutIsTTY) {
    io.out([head, ...rows].map((row) => row.join('\t')).join('\n'));
    return;
  }
  const { renderTable } = await import('./tty-table.js');
  renderTable(io, head, rows, options);
}
