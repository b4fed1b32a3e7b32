import { labelTokens, tokenDigits, type RawToken } from '../core/meter.js';
import { parseProviderAmount } from '../core/money.js';
import type { Product } from '../core/product.js';
import type { DeliveredDetails } from '../journal/details.js';
import type { LedgerEntry } from './provider.js';
import { envelopeKeys, fieldOf, integerOf, isRecord, textOf, unwrap, type JsonRecord } from './wire-read.js';
import { zesaNetwork, zwNetworks, type ZwNetwork } from './zw-wire.js';

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

/**
 * One catalogue entry, names compared in any case (`ECONET`, `AIRTIME`, `Zesa`); undefined when unreadable.
 * A ZESA product needs no mobile network: whatever it names (the utility, or nothing) it is "ZESA".
 */
export function readProduct(value: unknown): Product | undefined {
  if (!isRecord(value)) return undefined;
  const id = fieldOf(value, 'id', 'product_id');
  const kindWord = (textOf(fieldOf(value, 'kind', 'type', 'category')) ?? '').trim().toLowerCase();
  const kind =
    kindWord === 'electricity' || kindWord === 'token' || kindWord === 'tokens' ? 'zesa' : kindWord === 'bundle' || kindWord === 'bundles' ? 'data' : kindWord;
  const network = kind === 'zesa' ? zesaNetwork : networkOf(fieldOf(value, 'network', 'operator', 'carrier'));
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

/**
 * What a ZESA order delivered, however it is written: `tokens` as a list of strings or of objects
 * (`token`/`value`/`code` with `type`/`kind`/`label`/`description`), a single `token`, or tokens in one
 * string separated by commas or semicolons; `units` (or `kwh`) as a number or text. A token that is not 20
 * digits is left out (and would show as "no token" — never a wrong one).
 */
export function readDelivery(order: JsonRecord): DeliveredDetails | undefined {
  const raw: RawToken[] = [];
  const add = (value: unknown, label?: unknown) => {
    if (isRecord(value)) {
      add(fieldOf(value, 'token', 'value', 'code', 'number', 'pin'), fieldOf(value, 'type', 'kind', 'label', 'role', 'description', 'name'));
      return;
    }
    const text = textOf(value);
    if (text === undefined) return;
    for (const part of text.split(/[,;\n]/)) {
      const token = tokenDigits(part.trim());
      if (token) raw.push({ token, label: textOf(label) });
    }
  };
  const tokens = fieldOf(order, 'tokens', 'token', 'zesa_tokens', 'pins');
  if (Array.isArray(tokens)) for (const entry of tokens) add(entry);
  else add(tokens);
  const unitsValue = textOf(fieldOf(order, 'units', 'kwh', 'units_kwh', 'energy'))?.trim();
  const units = unitsValue && /^\d+(\.\d+)?$/.test(unitsValue) ? unitsValue : undefined;
  if (raw.length === 0 && units === undefined) return undefined;
  return { ...(raw.length ? { tokens: labelTokens(raw) } : {}), ...(units !== undefined ? { units } : {}) };
}

/** A started top-up: its payment link under any of the usual names, bare or wrapped; undefined without one. */
export function readTopUp(body: unknown): { id: string | null; paymentUrl: string; status: string | null; record: JsonRecord } | undefined {
  const urlOf = (record: JsonRecord) => textOf(fieldOf(record, 'payment_url', 'redirect_url', 'checkout_url', 'paymentUrl', 'redirectUrl', 'url', 'link'));
  const record = unwrap(body, (value): value is JsonRecord => isRecord(value) && urlOf(value) !== undefined, ['topup', 'top_up', ...envelopeKeys]);
  const paymentUrl = record ? urlOf(record) : undefined;
  if (!record || !paymentUrl) return undefined;
  return { id: textOf(fieldOf(record, 'id', 'topup_id', 'reference')) ?? null, paymentUrl, status: textOf(record.status) ?? null, record };
}

export interface PreviewRead {
  readonly valid: number | undefined;
  readonly invalid: number | undefined;
  readonly totals: Record<string, number>;
  /** Refused rows by 1-based data row, with the reasons as one text. */
  readonly refused: Map<number, string>;
  readonly judged: Set<number> | undefined;
}

/**
 * A bulk preview: counts, totals, and per-row verdicts under `rows`/`results`/`errors`. A row is named by
 * `row` (1-based among data rows, ours) or `line` (the file's line, the header being line 1); a row is
 * refused when it says `valid: false`, `ok: false`, a status other than valid/ok, or lists errors.
 */
export function readPreview(body: unknown): PreviewRead | undefined {
  const isPreview = (value: unknown): value is JsonRecord =>
    isRecord(value) &&
    (['rows', 'results', 'errors'].some((key) => Array.isArray(value[key])) ||
      ['valid', 'invalid', 'valid_rows', 'invalid_rows', 'valid_count', 'invalid_count'].some((key) => value[key] !== undefined));
  const root = unwrap(body, isPreview, ['preview', ...envelopeKeys]);
  if (!root) return undefined;
  const refused = new Map<number, string>();
  const judged = new Set<number>();
  const rows = fieldOf(root, 'rows', 'results');
  // A list of errors names refused rows only: each entry is a refusal.
  const errorList = rows === undefined && Array.isArray(root.errors);
  for (const entry of Array.isArray(rows) ? rows : errorList ? (root.errors as unknown[]) : []) {
    if (!isRecord(entry)) continue;
    const byRow = integerOf(fieldOf(entry, 'row', 'row_number', 'index'));
    const byLine = integerOf(entry.line);
    const row = byRow ?? (byLine === undefined ? undefined : byLine - 1);
    if (row === undefined || row < 1) continue;
    judged.add(row);
    const errors = fieldOf(entry, 'errors', 'error', 'messages', 'reason', ...(errorList ? ['message', 'detail'] : []));
    const reasons = (Array.isArray(errors) ? errors : errors === undefined ? [] : [errors]).map((error) =>
      isRecord(error) ? [textOf(fieldOf(error, 'code')), textOf(fieldOf(error, 'message', 'detail'))].filter(Boolean).join(': ') : (textOf(error) ?? ''),
    );
    const flag = fieldOf(entry, 'valid', 'ok');
    const status = textOf(entry.status)?.toLowerCase();
    const bad = errorList || flag === false || flag === 'false' || (status !== undefined && status !== 'valid' && status !== 'ok') || reasons.some(Boolean);
    if (bad) refused.set(row, reasons.filter(Boolean).join('; ') || 'refused');
  }
  const totals: Record<string, number> = {};
  const totalsValue = fieldOf(root, 'totals', 'total');
  if (isRecord(totalsValue)) {
    for (const [currency, amount] of Object.entries(totalsValue)) {
      const text = textOf(amount);
      if (!/^[A-Z]{3}$/.test(currency) || text === undefined) continue;
      try {
        totals[currency] = parseProviderAmount(text, currency);
      } catch {
        // A total we cannot read is left out.
      }
    }
  }
  return {
    valid: integerOf(fieldOf(root, 'valid', 'valid_rows', 'valid_count')),
    invalid: integerOf(fieldOf(root, 'invalid', 'invalid_rows', 'invalid_count')),
    totals,
    refused,
    judged: judged.size ? judged : undefined,
  };
}

/** The orders of a bulk answer: under `orders`/`results`, bare or wrapped; undefined when it lists none. */
export function bulkOrdersIn(body: unknown): JsonRecord[] | undefined {
  const list = unwrap(body, (value): value is unknown[] => Array.isArray(value), ['orders', 'results', 'items', 'bulk', ...envelopeKeys], 3);
  return list?.filter(isRecord);
}
