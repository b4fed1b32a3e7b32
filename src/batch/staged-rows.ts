import type { ValidRow } from './validate.js';

type RareFields = Pick<ValidRow, 'reference' | 'name' | 'note' | 'product' | 'sms'>;

/**
 * The valid rows of a checked file, kept from the one pass that read it and journaled after the gate. So the
 * rows journaled are exactly the rows that were planned and confirmed — reading the file again after consent
 * would journal whatever it holds by then — and a run reads its file once.
 *
 * Kept in columns rather than as row objects: a million rows as objects cost about 250 MB, as columns about
 * a third of that (the phone strings are the bulk; each currency is one shared string). Fields most rows lack
 * (a reference, a name or note, a product, an SMS) are kept only for the rows that have them.
 */
export class StagedRows {
  private readonly lines: number[] = [];
  private readonly positions: number[] = [];
  private readonly phones: string[] = [];
  private readonly amounts: number[] = [];
  private readonly currencies: string[] = [];
  private readonly rare = new Map<number, RareFields>();
  private readonly interned = new Map<string, string>();

  get size(): number {
    return this.lines.length;
  }

  push(row: ValidRow): void {
    const index = this.lines.length;
    this.lines.push(row.line);
    this.positions.push(row.row);
    this.phones.push(row.phone);
    this.amounts.push(row.amountMinor);
    let currency = this.interned.get(row.currency);
    if (currency === undefined) {
      currency = row.currency;
      this.interned.set(currency, currency);
    }
    this.currencies.push(currency);
    if (row.reference !== undefined || row.name !== undefined || row.note !== undefined || row.product !== undefined || row.sms !== undefined) {
      this.rare.set(index, { reference: row.reference, name: row.name, note: row.note, product: row.product, sms: row.sms });
    }
  }

  /** The rows in file order, as the check pass saw them. */
  *rows(): Generator<ValidRow> {
    for (let index = 0; index < this.lines.length; index += 1) {
      const rare = this.rare.get(index);
      yield {
        line: this.lines[index] as number,
        row: this.positions[index] as number,
        phone: this.phones[index] as string,
        amountMinor: this.amounts[index] as number,
        currency: this.currencies[index] as string,
        reference: rare?.reference,
        name: rare?.name,
        note: rare?.note,
        ...(rare?.product !== undefined ? { product: rare.product } : {}),
        ...(rare?.sms !== undefined ? { sms: rare.sms } : {}),
      };
    }
  }
}
