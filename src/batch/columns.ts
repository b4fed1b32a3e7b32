import { invalidInput } from '../core/errors.js';

export type Field = 'phone' | 'amount' | 'currency' | 'country' | 'reference' | 'name' | 'note' | 'product' | 'productId' | 'sms';

/** Header aliases, compared case- and space-insensitively (and ignoring _ and -). */
const aliases: Record<Field, readonly string[]> = {
  // A ZESA row's target is a meter number: the same column (a file may call it meter or target).
  phone: ['phone', 'msisdn', 'phone_number', 'phoneNumber', 'recipient', 'mobile', 'target', 'meter', 'meter_number'],
  amount: ['amount', 'value'],
  currency: ['currency'],
  country: ['country'],
  reference: ['reference', 'id', 'ref'],
  name: ['name'],
  note: ['note'],
  product: ['product', 'product_kind', 'kind'],
  productId: ['product_id'],
  sms: ['sms', 'custom_sms'],
};

const normalise = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');

const lookup = new Map<string, Field>(Object.entries(aliases).flatMap(([field, names]) => names.map((name) => [normalise(name), field as Field] as const)));

export interface ColumnMapping {
  /** Field → column index. */
  readonly index: Partial<Record<Field, number>>;
  /** "header → field" as applied, for the user to see. */
  readonly applied: { header: string; field: Field }[];
  readonly unknown: string[];
  readonly width: number;
}

export function mapColumns(headers: readonly string[]): ColumnMapping {
  const index: Partial<Record<Field, number>> = {};
  const applied: { header: string; field: Field }[] = [];
  const unknown: string[] = [];
  headers.forEach((raw, position) => {
    const header = raw.trim();
    const field = lookup.get(normalise(header));
    if (!field) {
      unknown.push(header);
      return;
    }
    if (index[field] !== undefined) {
      throw invalidInput(`header "${header}" (column ${position + 1}) repeats the ${field} column "${headers[index[field] ?? 0]?.trim()}": keep one of them`);
    }
    index[field] = position;
    applied.push({ header, field });
  });
  if (index.phone === undefined) {
    throw invalidInput(
      `no phone column among the headers (${headers.map((h) => `"${h.trim()}"`).join(', ')}): name one phone, msisdn, phone_number, recipient or mobile (or meter for ZESA tokens)`,
    );
  }
  if (index.amount === undefined) {
    throw invalidInput(`no amount column among the headers (${headers.map((h) => `"${h.trim()}"`).join(', ')}): name one amount or value`);
  }
  return { index, applied, unknown, width: headers.length };
}
