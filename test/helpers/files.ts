import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A payout file of `rows` valid KES rows, written into `dir`. Every number ends in 5: no magic numbers. */
export function writePayouts(dir: string, rows: number, name = 'payouts.csv', amount = '10'): { path: string; totalMinor: number } {
  const lines = ['phone,amount'];
  for (let index = 0; index < rows; index += 1) lines.push(`+25471${String(index * 10 + 5).padStart(7, '0')},${amount}`);
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, totalMinor: rows * Number(amount) * 100 };
}

/** A zw payout file: Econet numbers ending in 5, USD amounts. */
export function writeZwPayouts(dir: string, rows: number, amount = '1', name = 'zw.csv'): { path: string; totalMinor: number } {
  const lines = ['phone,amount,currency'];
  for (let index = 0; index < rows; index += 1) lines.push(`+26377${String(index * 10 + 5).padStart(7, '0')},${amount},USD`);
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, totalMinor: Math.round(rows * Number(amount) * 100) };
}
