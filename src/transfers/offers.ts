import { isAirtimeError, usageError } from '../core/errors.js';
import { formatMinor } from '../core/money.js';
import type { ProductKind } from '../core/product.js';
import { providerCatalog } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import type { Provider, SendItem } from '../providers/provider.js';
import type { RowCheck, ValidRow } from '../batch/validate.js';
import type { Product } from '../core/product.js';
import type { AppContext } from './context.js';

/** What a new transfer asks of its provider beyond airtime. */
export interface Ask {
  readonly kind?: ProductKind | undefined;
  readonly sms?: boolean | undefined;
  readonly retries?: boolean | undefined;
}

/**
 * Why a provider cannot take what is asked (a product it does not sell, a custom SMS, retries), or
 * undefined. Known from the catalogue of providers alone: nothing is asked over the network.
 */
export function offerProblem(provider: ProviderName, ask: Ask): string | undefined {
  const offers = providerCatalog[provider].offers;
  const others = (test: (name: ProviderName) => boolean) =>
    Object.values(providerCatalog)
      .filter((entry) => test(entry.name))
      .map((entry) => entry.name)
      .join(' or ');
  if (ask.kind && !offers.products.includes(ask.kind)) {
    return `${provider} sells ${offers.products.join(', ')} only, not ${ask.kind === 'zesa' ? 'ZESA tokens' : `${ask.kind} bundles`}: use ${others((name) => providerCatalog[name].offers.products.includes(ask.kind as ProductKind))} (see 'airtime providers')`;
  }
  if (ask.sms && !offers.customSms)
    return `${provider} sends no custom SMS with an order: use ${others((name) => providerCatalog[name].offers.customSms)}, or leave the text out`;
  if (ask.retries && !offers.retries)
    return `${provider} takes no delivery retries: --retry-hours is for ${others((name) => providerCatalog[name].offers.retries)}`;
  return undefined;
}

/** `offerProblem` as a usage error (exit 2), for a flag that does not fit the provider. */
export function requireOffer(provider: ProviderName, ask: Ask): void {
  const problem = offerProblem(provider, ask);
  if (problem) throw usageError(problem);
}

/** Whether a provider keeps a catalogue to check new transfers against before the gate (zw, the sandbox). */
export function hasCatalogue(provider: ProviderName): boolean {
  return providerCatalog[provider].offers.catalogue;
}

/**
 * The active provider for checks against its catalogue before anything is journaled, or undefined where it
 * keeps none (Africa's Talking, Lipad: built only when money moves, as before). In a dry run a provider that
 * cannot be built (no credentials yet) is only noted: the rehearsal goes on with the checks that need nothing.
 */
export async function catalogueProvider(context: AppContext, dryRun: boolean | undefined, warn: (line: string) => void): Promise<Provider | undefined> {
  if (!hasCatalogue(context.account.provider as ProviderName)) return undefined;
  try {
    return await context.provider();
  } catch (error) {
    if (!dryRun || !isAirtimeError(error)) throw error;
    warn(`note: ${context.account.provider}'s catalogue was not asked (${error.message}): products and ranges are checked when it sends`);
    return undefined;
  }
}

/** The catalogue's word on one item before the gate: the product it buys, or invalidInput (a dry run notes an unreachable catalogue). */
export async function checkAgainstCatalogue(
  provider: Provider | undefined,
  item: SendItem,
  dryRun: boolean | undefined,
  warn: (line: string) => void,
): Promise<Product | undefined> {
  if (!provider?.checkItem) return undefined;
  try {
    return await provider.checkItem(item);
  } catch (error) {
    if (!dryRun || (isAirtimeError(error) && error.kind !== 'failed')) throw error;
    warn(
      `note: ${provider.name}'s catalogue could not be read (${error instanceof Error ? error.message : String(error)}): products and ranges are checked when it sends`,
    );
    return undefined;
  }
}

/** The send item a validated row would make (for the provider's catalogue check before anything is journaled). */
export function rowItem(row: ValidRow): SendItem {
  return {
    reference: row.reference ?? `line-${row.line}`,
    phone: row.phone,
    amountMinor: row.amountMinor,
    currency: row.currency,
    ...(row.product ? { product: row.product } : {}),
    ...(row.sms !== undefined ? { sms: row.sms } : {}),
  };
}

/** The column a catalogue refusal is about, from its words (pickProduct's and the adapters'). */
function columnOf(message: string, row: ValidRow): { column: string; value: string } {
  if (/range|amount|fits none|products sell/.test(message)) return { column: 'amount', value: formatMinor(row.amountMinor, row.currency) };
  if (/meter|phone|network/.test(message)) return { column: 'phone', value: row.phone };
  if (/ in [A-Z]{3}\b|sold in/.test(message)) return { column: 'currency', value: row.currency };
  return { column: 'product', value: row.product ? `${row.product.kind}${row.product.id ? ` ${row.product.id}` : ''}` : 'airtime' };
}

/**
 * Each row against its provider before anything is journaled: what the provider offers (products, custom
 * SMS), then its catalogue (product, network, currency, range) where it has one. A row the provider would
 * refuse is invalid here, with the reason, like any other invalid row.
 */
export function providerRowCheck(name: ProviderName, provider: Provider | undefined): RowCheck {
  return async (row) => {
    const kindProblem = offerProblem(name, { kind: row.product?.kind });
    if (kindProblem) return { column: 'product', value: row.product?.kind ?? 'airtime', reason: kindProblem };
    const smsProblem = offerProblem(name, { sms: row.sms !== undefined });
    if (smsProblem) return { column: 'sms', value: row.sms ?? '', reason: smsProblem };
    if (!provider?.checkItem) return undefined;
    try {
      await provider.checkItem(rowItem(row));
      return undefined;
    } catch (error) {
      if (isAirtimeError(error) && error.kind === 'invalidInput') return { ...columnOf(error.message, row), reason: error.message };
      throw error;
    }
  };
}
