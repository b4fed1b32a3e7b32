import Table from 'cli-table3';
import type { IO } from './io.js';

/** A table on a TTY; tab-separated lines with a header row otherwise (friendly to cut, awk, sort). */
export function printTable(io: IO, head: string[], rows: string[][]): void {
  if (io.stdoutIsTTY) {
    const table = new Table({ head: head.map((cell) => io.color.bold(cell)), style: { head: [], border: [] } });
    table.push(...rows);
    io.out(table.toString());
    return;
  }
  io.out([head, ...rows].map((row) => row.join('\t')).join('\n'));
}
