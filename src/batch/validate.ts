import { checkCustomSms } from '../core/custom-sms.js';
import { isAirtimeError, invalidInput } from '../core/errors.js';
import { resolveMeterPurchase } from '../core/meter.js';
import { parseProductKind, type ProductKind } from '../core/product.js';
import { resolveRecipient, type RecipientDefaults } from '../core/recipient.js';
import { checkKey } from '../transfers/keys.js';
import { mapColumns, type ColumnMapping, type Field } from './columns.js';
import { readCsv } from './csv-source.js';
import { FingerprintIndex } from '../core/fingerprint-index.js';
import { shownDecimalMark, type DecimalMark } from '../core/money.js';

export interface ValidRow {
  readonly line: number;
  /** 1-based position among data rows: stable for a given file content. */
  readonly row: number;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string | undefined;
  readonly name: string | undefined;
  readonly note: string | undefined;
  /** The `product` column (and `product_id`); absent: airtime as before. A ZESA row's `phone` is its meter number. */
  readonly product?: { readonly kind: ProductKind; readonly id?: string | undefined } | undefined;
  /** The `sms` column: text to the recipient (zw `custom_sms`), checked. */
  readonly sms?: string | undefined;
}

/** What a row asks beyond phone, amount and currency, as text for its identity ('' for plain airtime: old files keep their ids). */
export function rowAsk(row: Pick<ValidRow, 'product' | 'sms'>): string {
  if (!row.product && row.sms === undefined) return '';
  return JSON.stringify([row.product?.kind ?? 'airtime', row.product?.id ?? null, row.sms ?? null]);
}

export interface RowError {
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
  readonly fields: readonly string[];
}

/** A row's result, with the record's cells as read (results files keep every input column). */
export type RowResult = { readonly ok: true; readonly row: ValidRow; readonly fields: readonly string[] } | { readonly ok: false; readonly error: RowError };

export interface ValidationSummary {
  mapping: ColumnMapping | undefined;
  header: string[];
  rows: number;
  valid: number;
  invalid: number;
  duplicates: number;
  /** Minor units per currency, valid rows only. */
  totals: Map<string, number>;
  counts: Map<string, number>;
  /** The first errors, for display; `invalid` counts them all. */
  errors: RowError[];
}

const shownErrors = 1000;

export function emptySummary(): ValidationSummary {
  return { mapping: undefined, header: [], rows: 0, valid: 0, invalid: 0, duplicates: 0, totals: new Map(), counts: new Map(), errors: [] };
}

/** A rule beyond the row's own content (e.g. what the journal already holds): a reason makes the row invalid. */
export type RowCheck = (row: ValidRow) => Promise<{ column: string; value: string; reason: string } | undefined>;

/**
 * Validates every row of a payout file with the same rules as `send`, streaming: memory holds only what
 * duplicate detection needs. Yields each row's result and fills `summary` as it goes.
 */
export async function* validateFile(
  path: string,
  defaults: RecipientDefaults,
  summary: ValidationSummary,
  check?: RowCheck,
  onBytes?: (chunk: Buffer) => void,
): AsyncGenerator<RowResult> {
  const seenTransfers = new FingerprintIndex();
  const seenReferences = new FingerprintIndex();
  const convention: FileConvention = { first: undefined };
  let mapping: ColumnMapping | undefined;
  for await (const record of readCsv(path, onBytes)) {
    if (!mapping && record.fields.every((field) => field.trim() === '')) continue;
    if (!mapping) {
      mapping = mapColumns(record.fields);
      summary.mapping = mapping;
      summary.header = record.fields;
      continue;
    }
    if (record.fields.every((field) => field.trim() === '')) continue;
    summary.rows += 1;
    let result = validateRow(record.fields, record.line, summary.rows, mapping, defaults, seenTransfers, seenReferences, convention);
    const problem = result.ok && check ? await check(result.row) : undefined;
    if (problem) result = { ok: false, error: { line: record.line, ...problem, fields: record.fields } };
    if (result.ok) {
      summary.valid += 1;
      summary.totals.set(result.row.currency, (summary.totals.get(result.row.currency) ?? 0) + result.row.amountMinor);
      summary.counts.set(result.row.currency, (summary.counts.get(result.row.currency) ?? 0) + 1);
    } else {
      summary.invalid += 1;
      if (/^duplicate/.test(result.error.reason)) summary.duplicates += 1;
      if (summary.errors.length < shownErrors) summary.errors.push(result.error);
    }
    yield result;
  }
  if (!mapping) throw invalidInput(`file "${path}" has no header row: the first line must name the columns (phone, amount, …)`);
  if (summary.rows === 0) throw invalidInput(`file "${path}" has a header but no data rows`);
}

/** The first row whose amount showed how decimals are written: every other row must write them the same way. */
interface FileConvention {
  first: { readonly mark: DecimalMark; readonly line: number; readonly amount: string } | undefined;
}

function validateRow(
  fields: readonly string[],
  line: number,
  row: number,
  mapping: ColumnMapping,
  defaults: RecipientDefaults,
  seenTransfers: FingerprintIndex,
  seenReferences: FingerprintIndex,
  convention: FileConvention,
): RowResult {
  const value = (field: Field) => {
    const position = mapping.index[field];
    return position === undefined ? undefined : (fields[position] ?? '').trim();
  };
  const fail = (column: string, cell: string, reason: string): RowResult => ({ ok: false, error: { line, column, value: cell, reason, fields } });
  if (fields.length !== mapping.width) {
    return fail('*', '', `has ${fields.length} fields but the header has ${mapping.width}: check for a stray delimiter or quote`);
  }
  const phone = value('phone') ?? '';
  const amount = value('amount') ?? '';
  const productCell = value('product') ?? '';
  const productIdCell = value('productId') ?? '';
  const smsCell = value('sms') ?? '';
  let product: ValidRow['product'];
  if (productCell !== '') {
    try {
      product = { kind: parseProductKind(productCell, 'product'), ...(productIdCell ? { id: productIdCell } : {}) };
    } catch (error) {
      if (!isAirtimeError(error)) throw error;
      return fail('product', productCell, error.message);
    }
  } else if (productIdCell !== '') {
    return fail('product_id', productIdCell, 'a product_id needs the product column too (airtime, data or zesa)');
  }
  if (productIdCell !== '' && !/^[A-Za-z0-9_.-]{1,40}$/.test(productIdCell)) {
    return fail('product_id', productIdCell, `product_id "${productIdCell}" is not an id from 'airtime products'`);
  }
  const meter = product?.kind === 'zesa';
  if (phone === '') return fail('phone', phone, meter ? 'meter number is empty' : 'phone is empty');
  if (amount === '') return fail('amount', amount, 'amount is empty');
  let sms: string | undefined;
  if (smsCell !== '') {
    try {
      sms = checkCustomSms(smsCell, 'sms');
    } catch (error) {
      if (!isAirtimeError(error)) throw error;
      return fail('sms', smsCell, error.message);
    }
  }
  let recipient: { phone: { e164: string }; money: { minor: number; currency: string } };
  try {
    if (meter) {
      const purchase = resolveMeterPurchase({ meter: phone, amount, currency: value('currency') || undefined }, defaults);
      recipient = { phone: { e164: purchase.meter }, money: purchase.money };
    } else {
      recipient = resolveRecipient({ phone, amount, currency: value('currency') || undefined, country: value('country') || undefined }, defaults);
    }
  } catch (error) {
    if (!isAirtimeError(error)) throw error;
    const column = /^amount|minimum|maximum/.test(error.message) ? 'amount' : /^currency|no currency/.test(error.message) ? 'currency' : 'phone';
    return fail(column, column === 'amount' ? amount : column === 'currency' ? (value('currency') ?? '') : phone, error.message);
  }
  // Undeclared, each amount is read as written (ambiguous ones were refused above); a file that writes some
  // decimals with a point and others with a comma is refused row by row, naming the first row of the other kind.
  if (defaults.decimalMark === undefined) {
    const mark = shownDecimalMark(amount);
    if (mark !== undefined) {
      const first = convention.first;
      if (first === undefined) convention.first = { mark, line, amount };
      else if (first.mark !== mark) {
        return fail(
          'amount',
          amount,
          `amount "${amount}" writes decimals with a ${mark === ',' ? 'comma' : 'point'} but line ${first.line} ("${first.amount}") with a ${first.mark === ',' ? 'comma' : 'point'}: write every amount the same way, or declare it (--decimal-point or --decimal-comma)`,
        );
      }
    }
  }
  const reference = value('reference') || undefined;
  if (reference !== undefined) {
    const problem = checkKey(reference);
    if (problem) return fail('reference', reference, problem.replace(/^key/, 'reference'));
    const first = seenReferences.firstLineOrAdd(reference, line);
    if (first !== undefined) return fail('reference', reference, `duplicate reference: line ${first} has it too`);
  } else {
    const fingerprint = `${recipient.phone.e164}|${recipient.money.minor}|${recipient.money.currency}${product || sms !== undefined ? `|${rowAsk({ product, sms })}` : ''}`;
    const first = seenTransfers.firstLineOrAdd(fingerprint, line);
    if (first !== undefined)
      return fail('phone', phone, `duplicate of line ${first} (same ${meter ? 'meter' : 'phone'} and amount): remove it, or give each row a reference`);
  }
  return {
    ok: true,
    fields,
    row: {
      line,
      row,
      phone: recipient.phone.e164,
      amountMinor: recipient.money.minor,
      currency: recipient.money.currency,
      reference,
      name: value('name') || undefined,
      note: value('note') || undefined,
      ...(product ? { product } : {}),
      ...(sms !== undefined ? { sms } : {}),
    },
  };
}
