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

const decimalPattern = /^(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string such as "100", "99.5" or "1,000.00" into minor units, refusing anything ambiguous. */
export function parseAmount(input: string, currency: CurrencyInfo | string, limits: AmountLimits = {}): Money {
  const info = typeof currency === 'string' ? requireCurrency(currency) : currency;
  const raw = input.trim();
  // A thousands separator is only accepted in its unambiguous form (groups of three before any decimals).
  const text = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw) ? raw.replaceAll(',', '') : raw;
  if (text.startsWith('-')) throw invalidInput(`amount "${input}" is negative: give a positive amount`);
  const match = decimalPattern.exec(text);
  if (!match) throw invalidInput(`amount "${input}" is not a number: give a decimal like 100 or 99.50`);
  const [, whole = '', fraction = ''] = match;
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > info.digits) {
    throw invalidInput(
      info.digits === 0
        ? `amount "${input}" has decimals but ${info.code} has no minor unit: give a whole number`
        : `amount "${input}" has more than ${info.digits} decimals for ${info.code}`,
    );
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
