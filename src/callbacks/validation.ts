import { parseProviderAmount } from '../core/money.js';
import type { Journal } from '../journal/journal.js';
import { textOf } from '../providers/wire-read.js';

export interface ValidationRules {
  /** Refuse anything above this, in minor units of the request's currency. */
  readonly maxAmountMinor?: number | undefined;
  /** Only numbers starting with one of these (E.164, e.g. +2547). */
  readonly allowedPrefixes?: readonly string[] | undefined;
}

/**
 * Africa's Talking asks before forwarding a transfer to the telco. Approve only what the journal shows
 * this tool sent through one of the listener's accounts (phone, amount and currency of a transfer in
 * `sending` or `submitted`) and the rules allow.
 */
export async function validateAtRequest(
  journal: Journal,
  body: Record<string, unknown>,
  rules: ValidationRules,
  /** The AT accounts this listener speaks for: another account's transfer is not approved here. */
  accounts: readonly string[],
): Promise<{ approved: boolean; reason: string }> {
  const phone = typeof body.phoneNumber === 'string' ? body.phoneNumber : '';
  const currency = typeof body.currencyCode === 'string' ? body.currencyCode : '';
  let minor: number;
  try {
    minor = parseProviderAmount(textOf(body.amount) ?? '', currency);
  } catch {
    return { approved: false, reason: 'amount or currency unreadable' };
  }
  if (rules.allowedPrefixes?.length && !rules.allowedPrefixes.some((prefix) => phone.startsWith(prefix)))
    return { approved: false, reason: 'prefix not allowed' };
  if (rules.maxAmountMinor !== undefined && minor > rules.maxAmountMinor) return { approved: false, reason: 'above the maximum' };
  const known = await journal.find({ provider: 'africastalking', accounts, phone, amountMinor: minor, currency, states: ['sending', 'submitted'], limit: 1 });
  return known.length ? { approved: true, reason: 'matches a transfer this tool sent' } : { approved: false, reason: 'no such transfer in the journal' };
}
