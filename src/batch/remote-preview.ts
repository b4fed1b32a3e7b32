import { formatMinor } from '../core/money.js';
import { resolveMeterPurchase } from '../core/meter.js';
import { parsePhone } from '../core/phone.js';
import { parseProductKind } from '../core/product.js';
import { resolveRecipient, type RecipientDefaults } from '../core/recipient.js';
import type { PreviewRow, PreviewVerdict, Provider } from '../providers/provider.js';
import { rowItem } from '../transfers/offers.js';
import { rowKey } from './batch-identity.js';
import { emptySummary, rowAsk, validateFile, type ValidRow } from './validate.js';

/** Where our verdict on a row and the provider's differ. */
export interface Disagreement {
  readonly line: number;
  readonly row: number;
  /** `valid`, or why we refuse it. */
  readonly ours: string;
  /** `valid`, or why the provider refuses it. */
  readonly theirs: string;
}

export interface PreviewComparison {
  readonly provider: string;
  readonly verdict: PreviewVerdict;
  readonly ours: { readonly valid: number; readonly invalid: number };
  /** False when the provider judged no row by name: only the counts can be compared. */
  readonly perRow: boolean;
  readonly disagreements: readonly Disagreement[];
}

/** A file larger than this is not sent for a preview: the provider's limit is unpublished, and ours holds the rows in memory. */
export const maxPreviewRows = 50_000;

/**
 * The provider's own check of a file (zw `/bulk/preview`), beside ours: every data row is sent in file order —
 * valid rows as we would order them (national target or meter, amount, the catalogue's product, the row's
 * key, its SMS), invalid ones with their cells as written — and each verdict is compared by row.
 * `ourErrors` holds every line our check refused (validation, journal and catalogue), with the reason.
 */
export async function comparePreview(
  path: string,
  defaults: RecipientDefaults,
  batchId: string,
  provider: Provider,
  ourErrors: ReadonlyMap<number, string>,
): Promise<PreviewComparison> {
  if (!provider.previewBulk) throw new Error(`${provider.name} has no bulk preview`);
  const summary = emptySummary();
  const rows: PreviewRow[] = [];
  const lines = new Map<number, number>();
  let row = 0;
  for await (const result of validateFile(path, defaults, summary)) {
    row += 1;
    if (result.ok) {
      lines.set(row, result.row.line);
      rows.push(await previewOf(result.row, row, batchId, provider));
      continue;
    }
    lines.set(row, result.error.line);
    const index = summary.mapping?.index ?? {};
    const cell = (position: number | undefined) => (position === undefined ? '' : (result.error.fields[position] ?? '').trim());
    const sms = cell(index.sms);
    // What can be read of a row we refuse goes as a valid row's would (the national number, the catalogue's
    // product): the preview judges the row, not our spelling of it.
    const target = cell(index.phone);
    const productId =
      cell(index.productId) || (await productIdOf(provider, target, cell(index.amount), cell(index.currency), cell(index.product), defaults)) || '';
    rows.push({
      row,
      target: nationalOr(target, defaults.country),
      amount: cell(index.amount),
      ...(productId ? { productId } : {}),
      ...(cell(index.reference) ? { reference: cell(index.reference) } : {}),
      ...(sms ? { sms } : {}),
    });
  }
  const verdict = await provider.previewBulk(rows);
  const judged = verdict.judged;
  const perRow = judged !== undefined;
  // A list that names refused rows only accepts every row it does not name; a full list names each row.
  const refusalsOnly = judged !== undefined && [...judged].every((number) => verdict.refused.has(number));
  const disagreements: Disagreement[] = [];
  let invalid = 0;
  for (let current = 1; current <= row; current += 1) {
    const line = lines.get(current) ?? 0;
    const ours = ourErrors.get(line);
    if (ours !== undefined) invalid += 1;
    if (!judged) continue;
    const theirs = verdict.refused.get(current);
    if (ours === undefined && theirs !== undefined) disagreements.push({ line, row: current, ours: 'valid', theirs });
    if (ours !== undefined && theirs === undefined && (judged.has(current) || refusalsOnly)) {
      disagreements.push({ line, row: current, ours, theirs: 'valid' });
    }
  }
  return { provider: provider.name, verdict, ours: { valid: row - invalid, invalid }, perRow, disagreements };
}

/** The catalogue's product for cells as written, or undefined when they cannot be read. */
async function productIdOf(
  provider: Provider,
  target: string,
  amount: string,
  currency: string,
  product: string,
  defaults: RecipientDefaults,
): Promise<string | number | undefined> {
  try {
    const kind = product ? parseProductKind(product, 'product') : 'airtime';
    const bought =
      kind === 'zesa'
        ? (() => {
            const purchase = resolveMeterPurchase({ meter: target, amount, currency: currency || undefined }, defaults);
            return { phone: purchase.meter, money: purchase.money };
          })()
        : (() => {
            const recipient = resolveRecipient({ phone: target, amount, currency: currency || undefined }, defaults);
            return { phone: recipient.phone.e164, money: recipient.money };
          })();
    const item = { reference: 'preview', phone: bought.phone, amountMinor: bought.money.minor, currency: bought.money.currency, product: { kind } };
    return (await provider.checkItem?.(item))?.id;
  } catch {
    return undefined;
  }
}

function nationalOr(text: string, country: string | undefined): string {
  try {
    return parsePhone(text, country).national;
  } catch {
    return text;
  }
}

async function previewOf(row: ValidRow, number: number, batchId: string, provider: Provider): Promise<PreviewRow> {
  let productId: string | number | undefined = row.product?.id;
  try {
    productId = (await provider.checkItem?.(rowItem(row)))?.id ?? productId;
  } catch {
    // A row the catalogue refuses goes without a product: the provider says what it makes of it.
  }
  return {
    row: number,
    target: row.product?.kind === 'zesa' ? row.phone : parsePhone(row.phone).national,
    amount: formatMinor(row.amountMinor, row.currency),
    ...(productId !== undefined ? { productId } : {}),
    reference: rowKey(batchId, { ...row, ask: rowAsk(row) }),
    ...(row.sms !== undefined ? { sms: row.sms } : {}),
  };
}
