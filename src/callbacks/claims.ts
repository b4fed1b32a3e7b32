import { formatMinor, parseProviderAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import type { Transfer } from '../journal/transfer.js';
import type { CallbackClaims } from './event.js';

/** The money a callback claims, read in its own currency or the transfer's; undefined when it names none. */
export interface ClaimedMoney {
  readonly minor: number | undefined;
  readonly currency: string;
  /** The amount as text for a person: formatted when readable, as sent when not. */
  readonly shown: string | undefined;
}

export function claimedMoney(claims: CallbackClaims, fallbackCurrency: string): ClaimedMoney {
  const currency = (claims.currency ?? fallbackCurrency).toUpperCase();
  if (claims.amountMinor !== undefined) return { minor: claims.amountMinor, currency, shown: format(claims.amountMinor, currency) };
  if (claims.amount === undefined) return { minor: undefined, currency, shown: undefined };
  const minor = exactMinor(claims.amount, currency);
  return { minor, currency, shown: minor === undefined ? claims.amount : format(minor, currency) };
}

/**
 * Where a callback disagrees with the journaled transfer: amount, currency, phone, or a field it carries
 * that cannot be read. Each difference is one phrase for the listener's line; none means it agrees.
 */
export function claimDifferences(claims: CallbackClaims, transfer: Transfer): string[] {
  const differences = (claims.unreadable ?? []).map((field) => `${field} unreadable`);
  const journaled = `${formatMinor(transfer.amountMinor, transfer.currency)} ${transfer.currency}`;
  if (claims.currency !== undefined && claims.currency.toUpperCase() !== transfer.currency) {
    differences.push(`currency ${claims.currency}, the journal has ${transfer.currency}`);
  }
  const money = claimedMoney(claims, transfer.currency);
  if (money.shown !== undefined && money.minor === undefined) differences.push(`amount "${money.shown}" unreadable, the journal has ${journaled}`);
  else if (money.minor !== undefined && (money.minor !== transfer.amountMinor || money.currency !== transfer.currency)) {
    differences.push(`amount ${money.shown ?? ''} ${money.currency}, the journal has ${journaled}`);
  }
  if (claims.phone !== undefined && !samePhone(claims.phone, transfer.phone)) differences.push(`phone ${claims.phone}, the journal has ${transfer.phone}`);
  return differences;
}

/** A phone as a callback writes it (E.164, bare digits, 00…, or national) against the journal's E.164. */
export function samePhone(claimed: string, e164: string): boolean {
  const compact = claimed.replace(/[\s().-]/g, '');
  if (compact === e164 || `+${compact}` === e164 || (compact.startsWith('00') && `+${compact.slice(2)}` === e164)) return true;
  if (!compact.startsWith('0')) return false;
  // The national form is the trunk prefix and the national number: the number's digits end the E.164 one.
  // Only when they do not is the full parse (tens of microseconds) worth asking.
  if (compact.length >= 8 && e164.endsWith(compact.slice(1))) return true;
  try {
    return parsePhone(compact, parsePhone(e164).country).e164 === e164;
  } catch {
    return false;
  }
}

/** A decimal amount in minor units, or undefined when it is not one or has digits the currency cannot hold. */
function exactMinor(text: string, currency: string): number | undefined {
  try {
    const minor = parseProviderAmount(text, currency);
    const fraction = /\.(\d+)$/.exec(text.trim())?.[1] ?? '';
    const digits = formatMinor(0, currency).split('.')[1]?.length ?? 0;
    // "10.009" is not 10.00 KES: digits beyond the currency's are dropped by the parser, so check them here.
    return /^0*$/.test(fraction.slice(digits)) ? minor : undefined;
  } catch {
    return undefined;
  }
}

function format(minor: number, currency: string): string {
  try {
    return formatMinor(minor, currency);
  } catch {
    return String(minor);
  }
}
