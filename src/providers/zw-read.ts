import { parseProviderAmount } from '../core/money.js';
import type { LedgerEntry } from './provider.js';
import { envelopeKeys, fieldOf, isRecord, textOf, unwrap, type JsonRecord } from './wire-read.js';
import { zwNetworks, type ZwNetwork, type ZwProduct } from './zw-wire.js';

/**
 * Tolerant readers of zw answers, whose shapes are unpublished (zw-wire.ts). Each returns what it could
 * read and what it had to skip; none throws.
 */
const listKeys = ['products', 'results', 'items', 'entries', 'balances', 'wallets', 'ledger', ...envelopeKeys];

/** The list in a body: a bare array, or the array under one of the usual keys (two levels deep). */
export function listIn(body: unknown): unknown[] | undefined {
  return unwrap(body, (value): value is unknown[] => Array.isArray(value), listKeys);
}

/** The link to the next page of a paginated list (`{results, next}`), if any. */
export function nextPageOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const next = fieldOf(body, 'next', 'next_page', 'nextPage');
  if (typeof next === 'string' && next) return next;
  const links = body.links;
  return isRecord(links) && typeof links.next === 'string' && links.next ? links.next : undefined;
}

export function networkOf(value: unknown): ZwNetwork | undefined {
  const squeezed = (textOf(value) ?? '').toLowerCase().replace(/[^a-z]/g, '');
  return zwNetworks.find((network) => squeezed.startsWith(network.toLowerCase()));
}

/** One catalogue entry, names compared in any case (`ECONET`, `AIRTIME`); undefined when unreadable. */
export function readProduct(value: unknown): ZwProduct | undefined {
  if (!isRecord(value)) return undefined;
  const id = fieldOf(value, 'id', 'product_id');
  const network = networkOf(fieldOf(value, 'network', 'operator', 'carrier'));
  const kind = (textOf(fieldOf(value, 'kind', 'type', 'category')) ?? '').trim().toLowerCase();
  const currency = (textOf(value.currency) ?? '').trim().toUpperCase();
  if ((typeof id !== 'number' && (typeof id !== 'string' || !id)) || !network || !/^[A-Z]{3}$/.test(currency)) return undefined;
  if (kind !== 'airtime' && kind !== 'data' && kind !== 'zesa') return undefined;
  const bound = (raw: unknown) => {
    const text = textOf(raw)?.trim();
    return text && /^\d+(\.\d+)?$/.test(text) ? text : undefined;
  };
  return {
    id,
    name: textOf(value.name) ?? `${network} ${kind} ${currency}`,
    network,
    kind,
    currency,
    min: bound(fieldOf(value, 'min', 'min_amount', 'minimum')),
    max: bound(fieldOf(value, 'max', 'max_amount', 'maximum')),
  };
}

const orderKeys = ['order', ...envelopeKeys];

function isOrderLike(value: unknown): value is JsonRecord {
  return isRecord(value) && (typeof value.status === 'string' || typeof value.agent_reference === 'string');
}

/** An order, bare or wrapped (`{order}`, `{data}`, `{data: {order}}`, a webhook's `{event, order}`). */
export function orderIn(body: unknown): JsonRecord | undefined {
  return unwrap(body, isOrderLike, orderKeys);
}

/** Balances from a list of `{currency, balance}` or a map `{USD: "10.00"}`. */
export function readBalances(body: unknown): { currency: string; minor: number }[] {
  const read: { currency: string; minor: number }[] = [];
  const add = (currencyValue: unknown, amountValue: unknown) => {
    const currency = (textOf(currencyValue) ?? '').trim().toUpperCase();
    const amount = textOf(amountValue);
    if (!/^[A-Z]{3}$/.test(currency) || amount === undefined) return;
    try {
      read.push({ currency, minor: parseProviderAmount(amount, currency) });
    } catch {
      // A balance we cannot read is left out, never guessed.
    }
  };
  const list = listIn(body);
  if (list) {
    for (const entry of list) if (isRecord(entry)) add(entry.currency, fieldOf(entry, 'balance', 'available', 'amount', 'available_balance'));
    return read;
  }
  const map = unwrap(body, (value): value is JsonRecord => isRecord(value) && Object.keys(value).some((key) => /^[A-Z]{3}$/.test(key)), [
    'balances',
    'wallet',
    ...envelopeKeys,
  ]);
  for (const [currency, amount] of Object.entries(map ?? {})) add(currency, isRecord(amount) ? fieldOf(amount, 'balance', 'available', 'amount') : amount);
  return read;
}

/** Ledger entries; unreadable ones are left out. */
export function readLedger(body: unknown): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const value of listIn(body) ?? []) {
    if (!isRecord(value)) continue;
    const currency = (textOf(value.currency) ?? '').trim().toUpperCase();
    const amount = textOf(value.amount);
    if (!/^[A-Z]{3}$/.test(currency) || amount === undefined) continue;
    let minor: number;
    try {
      minor = parseProviderAmount(amount, currency);
    } catch {
      continue;
    }
    entries.push({
      at: textOf(fieldOf(value, 'created_at', 'at', 'timestamp', 'date')) ?? '',
      kind: (textOf(fieldOf(value, 'type', 'kind')) ?? 'entry').toLowerCase(),
      currency,
      minor,
      reference: textOf(fieldOf(value, 'reference', 'agent_reference')) ?? null,
      description: textOf(fieldOf(value, 'description', 'narration', 'memo')) ?? '',
    });
  }
  return entries;
}
