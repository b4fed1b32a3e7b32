import { currencyInfo, type CurrencyInfo } from './currency.js';
import { invalidInput } from './errors.js';

/** An amount in integer minor units of one currency. Never a float on the money path. */
export interface Money {
  readonly minor: number;
  readonly currency: string;
}

export interface AmountLimits {
  readonly minMinor?: number | null;
  readonly maxMinor?: number | null;
}

/** The character that separates an amount's decimals: a point (100.50, the default) or a comma (100,50). */
export type DecimalMark = '.' | ',';

export interface ParseOptions extends AmountLimits {
  /** The convention declared for where the amount comes from (`--decimal-comma`, `--decimal-point`); absent: read each amount as written, refusing the ambiguous ones. */
  readonly decimalMark?: DecimalMark | undefined;
  /** Whether the command offers --decimal-comma / --decimal-point (an ambiguous amount's error then names them). */
  readonly decimalFlags?: boolean | undefined;
}

/** An amount's digits as written, and the decimal mark its separators show (undefined: none, e.g. "100"). */
export interface AmountText {
  readonly whole: string;
  readonly fraction: string;
  readonly mark: DecimalMark | undefined;
}

const other = (mark: DecimalMark): DecimalMark => (mark === '.' ? ',' : '.');
const markName = (mark: DecimalMark) => (mark === ',' ? 'decimal comma' : 'decimal point');
const flagOf = (mark: DecimalMark) => (mark === ',' ? '--decimal-comma' : '--decimal-point');

/** "1,234,567" → "1234567" when every group after the first has three digits; undefined otherwise. */
function ungroup(text: string, separator: string): string | undefined {
  const groups = text.split(separator);
  const [head = ''] = groups;
  if (head.length < 1 || head.length > 3) return undefined;
  for (let i = 1; i < groups.length; i += 1) if (groups[i]?.length !== 3) return undefined;
  return groups.join('');
}

/** "2.500" → "2.5", "1,000" → "1": the decimal reading of an ambiguous amount, as it should be written. */
function decimalReading(whole: string, fraction: string): string {
  const kept = fraction.replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole;
}

/**
 * Reads the digits of an amount written with a decimal point or a decimal comma and thousands separators
 * of the other kind, in one pass over its characters (validation of big files stays fast). A single
 * separator followed by exactly three digits ("1,000", "10.000") could be either: it is refused unless
 * the convention is declared. With a declared convention, an amount written in the other one is refused.
 * Written by hand: Intl has no parser, and number-parsing libraries guess where this must refuse.
 */
export function readAmountText(input: string, declared?: DecimalMark, decimalFlags = false): AmountText {
  const raw = input.trim();
  if (raw.startsWith('-')) throw invalidInput(`amount "${input}" is negative: give a positive amount`);
  let dots = 0;
  let commas = 0;
  let lastDot = -1;
  let lastComma = -1;
  for (let i = 0; i < raw.length; i += 1) {
    const code = raw.charCodeAt(i);
    if (code >= 48 && code <= 57) continue;
    if (code === 46) {
      dots += 1;
      lastDot = i;
    } else if (code === 44) {
      commas += 1;
      lastComma = i;
    } else {
      throw invalidInput(`amount "${input}" is not a number: give a decimal like 100 or 99.50`);
    }
  }
  const notANumber = () => invalidInput(`amount "${input}" is not a number: give a decimal like 100 or 99.50`);
  if (raw === '') throw notANumber();
  if (dots === 0 && commas === 0) return { whole: raw, fraction: '', mark: undefined };

  let mark: DecimalMark;
  let fractionAt = -1; // index of the decimal mark, -1 for a whole number with thousands separators
  if (dots > 0 && commas > 0) {
    mark = lastDot > lastComma ? '.' : ',';
    if ((mark === '.' ? dots : commas) !== 1) throw notANumber();
    fractionAt = mark === '.' ? lastDot : lastComma;
  } else {
    const separator: DecimalMark = dots > 0 ? '.' : ',';
    const at = separator === '.' ? lastDot : lastComma;
    if ((separator === '.' ? dots : commas) > 1) {
      mark = other(separator); // "1,000,000": only thousands separators
    } else {
      const head = raw.slice(0, at);
      const tail = raw.slice(at + 1);
      const couldGroup = tail.length === 3 && head.length >= 1 && head.length <= 3 && head[0] !== '0';
      if (couldGroup && !declared) {
        const grouped = `${head}${tail}`;
        const decimal = decimalReading(head, tail);
        throw invalidInput(
          `amount "${input}" is ambiguous: ${grouped} if "${separator}" separates thousands, ${decimal} if it is a ${markName(separator)}: write ${grouped} or ${decimal}${decimalFlags ? ', or declare how amounts are written (--decimal-point or --decimal-comma)' : ''}`,
        );
      }
      mark = couldGroup ? (declared ?? separator) : separator;
      if (mark === separator) fractionAt = at;
    }
  }
  const integer = fractionAt < 0 ? raw : raw.slice(0, fractionAt);
  const fraction = fractionAt < 0 ? '' : raw.slice(fractionAt + 1);
  const whole = integer.includes(other(mark)) ? ungroup(integer, other(mark)) : integer;
  if (whole === undefined || whole === '' || (fractionAt >= 0 && fraction === '')) throw notANumber();
  if (declared && mark !== declared) {
    const written = fraction ? `${whole}${declared}${fraction}` : whole;
    throw invalidInput(
      `amount "${input}" is written with a ${markName(mark)} but the ${markName(declared)} was declared (${flagOf(declared)}): write ${written}`,
    );
  }
  return { whole, fraction, mark };
}

/** The decimal mark an amount shows, if any, without judging it (a file's rows must all show the same one). */
export function shownDecimalMark(input: string): DecimalMark | undefined {
  if (!input.includes('.') && !input.includes(',')) return undefined;
  try {
    return readAmountText(input).mark;
  } catch {
    return undefined;
  }
}

/** Parses a decimal string such as "100", "99.5", "1,000.00" or (declared) "1.000,50" into minor units, refusing anything ambiguous. */
export function parseAmount(input: string, currency: CurrencyInfo | string, limits: ParseOptions = {}): Money {
  const info = typeof currency === 'string' ? requireCurrency(currency) : currency;
  const { whole, fraction } = readAmountText(input, limits.decimalMark, limits.decimalFlags);
  if (fraction !== '' && info.digits === 0) {
    throw invalidInput(`amount "${input}" has decimals but ${info.code} has no minor unit: give a whole number`);
  }
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > info.digits) {
    throw invalidInput(`amount "${input}" has more than ${info.digits} decimals for ${info.code}`);
  }
  const minor = Number(whole) * 10 ** info.digits + Number(significantFraction.padEnd(info.digits, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw invalidInput(`amount "${input}" is too large`);
  if (minor === 0) throw invalidInput(`amount "${input}" is zero: give a positive amount`);
  const min = limits.minMinor === undefined ? info.minMinor : limits.minMinor;
  const max = limits.maxMinor === undefined ? info.maxMinor : limits.maxMinor;
  if (min !== null && minor < min) {
    throw invalidInput(`amount ${formatMinor(minor, info)} ${info.code} is below the minimum of ${formatMinor(min, info)} ${info.code}`);
  }
  if (max !== null && minor > max) {
    throw invalidInput(
      `amount ${formatMinor(minor, info)} ${info.code} is above the maximum of ${formatMinor(max, info)} ${info.code}`,
      'a profile can raise it: airtime config set limits.<CUR>.max <amount>',
    );
  }
  return { minor, currency: info.code };
}

/** Minor units → the decimal string every output uses ("100.00", "5000" for UGX). */
export function formatMinor(minor: number, currency: CurrencyInfo | string): string {
  const digits = typeof currency === 'string' ? requireCurrency(currency).digits : currency.digits;
  const negative = minor < 0;
  const text = Math.abs(minor)
    .toString()
    .padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export function formatMoney(money: Money): string {
  return `${formatMinor(money.minor, money.currency)} ${money.currency}`;
}

/** Parses an amount whose decimals are not bounded by a currency (provider answers such as "KES 100.0000"). */
export function parseProviderAmount(text: string, currency: string): number {
  const info = requireCurrency(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`not a decimal amount: ${text}`);
  const [, sign = '', whole = '', fraction = ''] = match;
  const kept = fraction.slice(0, info.digits).padEnd(info.digits, '0');
  const minor = Number(whole) * 10 ** info.digits + Number(kept || '0');
  return sign === '-' ? -minor : minor;
}

export function requireCurrency(code: string): CurrencyInfo {
  const info = currencyInfo(code);
  if (!info) throw invalidInput(`currency "${code}" is not supported: use an ISO-4217 code such as KES, UGX or USD`);
  return info;
}
