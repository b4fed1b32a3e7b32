import { formatMinor } from '../core/money.js';

/** Minor units as the shortest decimal text: 1000 KES → "10", 1050 → "10.5", 1005 → "10.05" (never "10.00"). */
export function shortestDecimal(minor: number, currency: string): string {
  const text = formatMinor(minor, currency);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
