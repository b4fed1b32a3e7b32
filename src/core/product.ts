import { invalidInput, usageError } from './errors.js';
import { formatMinor, parseProviderAmount } from './money.js';

/** What a provider sells: airtime to a phone, a data bundle to a phone, or a ZESA electricity token for a meter. */
export const productKinds = ['airtime', 'data', 'zesa'] as const;
export type ProductKind = (typeof productKinds)[number];

export function isProductKind(value: string): value is ProductKind {
  return (productKinds as readonly string[]).includes(value);
}

/** `--product` or a CSV `product` cell: a kind in any case; anything else is named with the kinds there are. */
export function parseProductKind(text: string, where = '--product'): ProductKind {
  const kind = text.trim().toLowerCase();
  if (isProductKind(kind)) return kind;
  throw usageError(`${where} "${text}" is not a product kind: choose ${productKinds.join(', ')}`);
}

/** One catalogue entry, in every provider's words. Bounds are decimal text in major units; none means the provider checks. */
export interface Product {
  readonly id: string | number;
  readonly name: string;
  /** A mobile network ("Econet"), "ZESA" for electricity, or "any" where the provider sells on every network. */
  readonly network: string;
  readonly kind: ProductKind;
  readonly currency: string;
  readonly min: string | undefined;
  readonly max: string | undefined;
}

/** What a send asks for; `network` is the phone's (none for a meter). */
export interface ProductWanted {
  readonly kind: ProductKind;
  readonly id?: string | undefined;
  readonly network?: string | undefined;
  readonly currency: string;
  readonly amountMinor: number;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function productRange(product: Product): { minMinor: number | undefined; maxMinor: number | undefined } {
  const bound = (text: string | undefined) => (text === undefined ? undefined : parseProviderAmount(text, product.currency));
  return { minMinor: bound(product.min), maxMinor: bound(product.max) };
}

export function describeRange(product: Product): string {
  if (product.min !== undefined && product.min === product.max)
    return `${formatMinor(productRange(product).minMinor ?? 0, product.currency)} ${product.currency}`;
  return `${product.min ?? '0'}–${product.max ?? '∞'} ${product.currency}`;
}

function fits(product: Product, amountMinor: number): boolean {
  const { minMinor, maxMinor } = productRange(product);
  return (minMinor === undefined || amountMinor >= minMinor) && (maxMinor === undefined || amountMinor <= maxMinor);
}

function servesNetwork(product: Product, network: string | undefined): boolean {
  if (product.kind === 'zesa' || network === undefined) return true;
  return sameName(product.network, 'any') || sameName(product.network, network);
}

/**
 * The one product a send buys, from a provider's catalogue: by id when given (its kind, currency and range
 * checked), else the single product of that kind on the phone's network in the currency whose range holds the
 * amount. Several that fit is an error too: money does not go to a product we guessed.
 */
export function pickProduct(catalogue: readonly Product[], wanted: ProductWanted, provider: string): Product {
  const amount = `${formatMinor(wanted.amountMinor, wanted.currency)} ${wanted.currency}`;
  if (wanted.id !== undefined) {
    const product = catalogue.find((entry) => String(entry.id) === wanted.id);
    if (!product) throw invalidInput(`product ${wanted.id} is not in ${provider}'s catalogue: list them with 'airtime products --provider ${provider}'`);
    if (product.kind !== wanted.kind) throw invalidInput(`product ${wanted.id} (${product.name}) sells ${product.kind}, not ${wanted.kind}`);
    if (product.currency !== wanted.currency)
      throw invalidInput(`product ${wanted.id} (${product.name}) is sold in ${product.currency}, not ${wanted.currency}`);
    if (!servesNetwork(product, wanted.network))
      throw invalidInput(`product ${wanted.id} (${product.name}) is for ${product.network}, not ${wanted.network ?? '?'}`);
    if (!fits(product, wanted.amountMinor)) throw invalidInput(`amount ${amount} is outside ${product.name}'s range ${describeRange(product)}`);
    return product;
  }
  const where = wanted.kind === 'zesa' || wanted.network === undefined ? '' : ` ${wanted.network}`;
  const candidates = catalogue.filter((entry) => entry.kind === wanted.kind && servesNetwork(entry, wanted.network));
  const inCurrency = candidates.filter((entry) => entry.currency === wanted.currency);
  if (inCurrency.length === 0) {
    const currencies = [...new Set(candidates.map((entry) => entry.currency))];
    throw invalidInput(
      `${provider} sells no${where} ${wanted.kind} in ${wanted.currency}${currencies.length ? `: use ${currencies.join(' or ')}` : ''}`,
      `list what it sells with 'airtime products --provider ${provider} --kind ${wanted.kind}'`,
    );
  }
  const fitting = inCurrency.filter((entry) => fits(entry, wanted.amountMinor));
  const [only] = fitting;
  if (fitting.length === 1 && only) return only;
  if (fitting.length > 1) {
    throw invalidInput(
      `${fitting.length} of ${provider}'s${where} ${wanted.kind} products sell ${amount} (${fitting.map((entry) => `${entry.id} ${entry.name}`).join(', ')}): choose one with --product-id`,
    );
  }
  const [single] = inCurrency;
  if (inCurrency.length === 1 && single) throw invalidInput(`amount ${amount} is outside ${single.name}'s range ${describeRange(single)}`);
  throw invalidInput(
    `amount ${amount} fits none of ${provider}'s${where} ${wanted.kind} products (${inCurrency.map((entry) => `${entry.name}: ${describeRange(entry)}`).join('; ')})`,
  );
}
