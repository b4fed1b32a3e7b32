import { usageError } from '../core/errors.js';
import type { DecimalMark } from '../core/money.js';

export function parseSeconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw usageError(`${flag} "${text}" is not a positive number of seconds`);
  return value;
}

export function parseCount(text: string, flag: string, max = 1_000_000): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > max) throw usageError(`${flag} "${text}" is not a whole number from 1 to ${max}`);
  return value;
}

/** --decimal-comma / --decimal-point: how the amounts are written (absent: an amount that could be read either way is refused). */
export function decimalMarkOption(options: { decimalComma?: boolean; decimalPoint?: boolean }): DecimalMark | undefined {
  if (options.decimalComma && options.decimalPoint) throw usageError('--decimal-comma and --decimal-point contradict each other: choose one');
  return options.decimalComma ? ',' : options.decimalPoint ? '.' : undefined;
}
