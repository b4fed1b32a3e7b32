import { invalidInput } from './errors.js';
import { parseAmount, requireCurrency, type AmountLimits, type DecimalMark, type Money } from './money.js';

/**
 * ZESA prepaid electricity: the target of a token purchase is the meter, not a phone (zw.md → ZESA).
 *
 * A meter number is 11 digits (the public example is 37132109846). It is written down from a meter or a
 * receipt, often in groups, so spaces and hyphens between digits are accepted and dropped; nothing else is.
 * Journaled as the 11 digits alone — never with a "+", so it cannot be taken for an E.164 phone.
 */
export const meterDigits = 11;

export function parseMeter(input: string): string {
  const raw = input.trim();
  if (/^\d(\.\d+)?E\+\d+$/i.test(raw)) {
    throw invalidInput(`meter number "${input}" was turned into a number by a spreadsheet: format the column as text and copy the 11 digits again`);
  }
  const compact = raw.replace(/[\s-]/g, '');
  if (compact === '') throw invalidInput('meter number is empty: give the 11 digits on the meter (e.g. 37132109846)');
  if (!/^\d+$/.test(compact)) {
    throw invalidInput(
      `meter number "${input}" holds ${/\+/.test(compact) ? 'a "+" (a phone?)' : 'characters other than digits'}: give the 11 digits on the meter (e.g. 37132109846)`,
    );
  }
  if (compact.length !== meterDigits) {
    throw invalidInput(`meter number "${input}" has ${compact.length} digits: a ZESA prepaid meter number has ${meterDigits} (e.g. 37132109846)`);
  }
  return compact;
}

/** Whether a journaled target is a meter number (phones are journaled in E.164, with "+"). */
export function isMeterNumber(target: string): boolean {
  return /^\d{11}$/.test(target);
}

/**
 * What a token is for. Since ZESA's key-change ("TID rollover") campaign a meter not yet upgraded gets three
 * tokens, entered in order: two key-change tokens, then the recharge token.
 */
export type TokenRole = 'key-change-1' | 'key-change-2' | 'recharge';

export interface ElectricityToken {
  readonly role: TokenRole;
  /** The 20 digits, as the provider gave them (no spaces). */
  readonly token: string;
}

/** A token as a provider may give it: its digits, and what it says the token is for (any words, or none). */
export interface RawToken {
  readonly token: string;
  readonly label?: string | undefined;
}

/** 20 digits, the STS standard; spaces and hyphens between groups dropped. Undefined when it is not one. */
export function tokenDigits(text: string): string | undefined {
  const compact = text.replace(/[\s-]/g, '');
  return /^\d{20}$/.test(compact) ? compact : undefined;
}

/** "1234 5678 9012 3456 7890": how a token is read out and typed. */
export function groupToken(token: string): string {
  return token.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/**
 * Tokens in the order they must be entered, each with its role. One token is the recharge; three are two
 * key-change tokens then the recharge (the provider's own labels win when they say which is which). Any
 * other count keeps the provider's order, the last one called the recharge — every token is shown.
 */
export function labelTokens(raw: readonly RawToken[]): ElectricityToken[] {
  const roleOf = (label: string | undefined): TokenRole | undefined => {
    const words = (label ?? '').toLowerCase();
    if (!words) return undefined;
    if (/recharge|credit|purchase|vend|energy/.test(words)) return 'recharge';
    if (!/key|kct|change|tid|rollover|upgrade/.test(words)) return undefined;
    const number = /\d/.exec(words)?.[0] ?? (/second|two/.test(words) ? '2' : /first|one/.test(words) ? '1' : undefined);
    return number === '1' ? 'key-change-1' : number === '2' ? 'key-change-2' : undefined;
  };
  const labelled = raw.map((entry) => ({ ...entry, role: roleOf(entry.label) }));
  const recharge = labelled.filter((entry) => entry.role === 'recharge');
  // Key-change tokens go first (numbered ones in their number's order, a stable sort), the recharge last.
  const rank = (role: TokenRole | undefined) => (role === 'key-change-1' ? 0 : role === 'key-change-2' ? 2 : 1);
  const keyChanges = labelled.filter((entry) => entry.role !== 'recharge').sort((a, b) => rank(a.role) - rank(b.role));
  const ordered = recharge.length === 1 ? [...keyChanges, ...recharge] : labelled;
  return ordered.map((entry, index) => ({
    role: index === ordered.length - 1 ? 'recharge' : index === 0 ? 'key-change-1' : 'key-change-2',
    token: entry.token,
  }));
}

/** "recharge", or for several: "2 of 3: key change token 2 (enter second)". */
export function describeToken(token: ElectricityToken, index: number, count: number): string {
  if (count === 1) return 'recharge token';
  const ordinal = ['first', 'second', 'third', 'fourth', 'fifth'][index] ?? `number ${index + 1}`;
  const what = token.role === 'recharge' ? 'recharge token' : `key change token ${index + 1}`;
  return `${index + 1} of ${count}: ${what} (enter ${index === count - 1 ? 'last' : ordinal})`;
}

/** ZESA is sold in US dollars and ZWG; a row or a send that names no currency buys in dollars. */
export const zesaDefaultCurrency = 'USD';

/**
 * A ZESA purchase as typed: the meter and the amount in its currency (given, the profile's, or USD). The
 * currency's own limits do not apply — they are airtime's; the catalogue's range does, checked against the
 * provider's catalogue — but a profile's limits for the currency still do.
 */
export function resolveMeterPurchase(
  input: { readonly meter: string; readonly amount: string; readonly currency?: string | undefined },
  defaults: {
    readonly currency?: string | undefined;
    readonly limits?: Readonly<Record<string, AmountLimits>> | undefined;
    readonly decimalMark?: DecimalMark | undefined;
    readonly decimalFlags?: boolean | undefined;
  } = {},
): { readonly meter: string; readonly money: Money } {
  const meter = parseMeter(input.meter);
  const currency = requireCurrency(input.currency?.trim() || defaults.currency || zesaDefaultCurrency);
  const money = parseAmount(input.amount, currency, {
    ...(defaults.limits?.[currency.code] ?? { minMinor: null, maxMinor: null }),
    decimalMark: defaults.decimalMark,
    decimalFlags: defaults.decimalFlags,
  });
  return { meter, money };
}

/** Tokens in one line, in entry order, each named: "1) key change 1234 …; 2) key change …; 3) recharge … (16.6 kWh)". */
export function tokensText(tokens: readonly ElectricityToken[] | undefined, units?: string): string {
  if (!tokens?.length) return '';
  const list =
    tokens.length === 1 && tokens[0]
      ? groupToken(tokens[0].token)
      : tokens.map((token, index) => `${index + 1}) ${token.role === 'recharge' ? 'recharge' : 'key change'} ${groupToken(token.token)}`).join('; ');
  return `${list}${units ? ` (${units} kWh)` : ''}`;
}
