import { formatMinor } from '../core/money.js';

/**
 * How numbers, money and times look to a person. One rule each, used by every view: money grouped by
 * thousands on a terminal (`5,079,363.00 KES`) and plain everywhere a program reads it (JSON, CSV, pipes);
 * times in local time to the second for people, ISO 8601 for programs.
 */

/** "5,079,363.00" when `grouped`, else "5079363.00". */
export function formatAmount(minor: number, currency: string, grouped: boolean): string {
  const plain = formatMinor(minor, currency);
  if (!grouped) return plain;
  const [whole = '', fraction] = plain.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const withCommas = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${withCommas}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** "5,079,363.00 KES". */
export function formatMoney(minor: number, currency: string, grouped: boolean): string {
  return `${formatAmount(minor, currency, grouped)} ${currency}`;
}

/** Totals per currency, "1,400.50 KES + 5,000 UGX" (or "nothing"). */
export function formatTotals(totals: Readonly<Record<string, number>>, grouped: boolean, joiner = ' + '): string {
  const parts = Object.entries(totals)
    .filter(([, minor]) => minor !== 0)
    .map(([currency, minor]) => formatMoney(minor, currency, grouped));
  return parts.length ? parts.join(joiner) : 'nothing';
}

/** Totals per currency as decimal strings, for JSON: `{"KES":"1400.50"}`. */
export function totalsJson(totals: Readonly<Record<string, number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(totals).map(([currency, minor]) => [currency, formatMinor(minor, currency)]));
}

/** A count with thousands separators on a terminal: "5,000". */
export function formatCount(count: number, grouped: boolean): string {
  return grouped ? count.toLocaleString('en-US') : String(count);
}

const pad = (value: number) => String(value).padStart(2, '0');

/** The one human time format: local time to the second, "2026-11-22 14:21:54". JSON keeps ISO 8601. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A duration as people say it: "0s", "45s", "1m 32s", "2h 5m". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** "1 row", "5,000 rows". */
export function plural(count: number, noun: string, grouped = false): string {
  return `${formatCount(count, grouped)} ${noun}${count === 1 ? '' : 's'}`;
}
