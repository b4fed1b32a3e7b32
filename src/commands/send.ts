import type { GlobalOptions } from '../global-options.js';
import { airtimeCommand } from '../config/in-force.js';
import { parseRetryHours } from '../config/settings.js';
import { checkCustomSms } from '../core/custom-sms.js';
import { invalidInput, usageError } from '../core/errors.js';
import { resolveMeterPurchase } from '../core/meter.js';
import { type Money } from '../core/money.js';
import { parseProductKind, type Product } from '../core/product.js';
import { resolveRecipient } from '../core/recipient.js';
import type { TransferDetails } from '../journal/details.js';
import { homeCountry } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import { checkKey, newTransferKey } from '../transfers/keys.js';
import { requireOffer } from '../transfers/offers.js';
import { repeatWindowOption } from '../transfers/repeats.js';
import type { IO } from '../ui/io.js';
import { decimalMarkOption, parseSeconds } from './options.js';
import { payOne } from '../payouts/pay-one.js';

interface SendOptions extends GlobalOptions {
  currency?: string;
  country?: string;
  forceCurrency?: boolean;
  key?: string;
  note?: string;
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
  yes?: boolean;
  maxTotal?: string;
  repeatWindow?: string;
  allowRepeats?: boolean;
  product?: string;
  productId?: string;
  sms?: string;
  retryHours?: string;
  decimalComma?: boolean;
  decimalPoint?: boolean;
}

export default async function send(io: IO, target: string, amount: string, options: SendOptions): Promise<number> {
  const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
  const windowMs = repeatWindowOption(options.repeatWindow);
  const decimalMark = decimalMarkOption(options);
  if (options.key !== undefined) {
    const problem = checkKey(options.key);
    if (problem) throw usageError(problem);
  }
  if (options.productId !== undefined && !/^[A-Za-z0-9_.-]{1,40}$/.test(options.productId)) {
    throw usageError(`--product-id "${options.productId}" is not an id from 'airtime products'`);
  }
  let kind = options.product === undefined ? undefined : parseProductKind(options.product);
  const sms = options.sms === undefined ? undefined : checkCustomSms(options.sms);
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { settings } = context;
    const account = context.account;
    const provider = account.provider as ProviderName;
    const retryHours =
      options.retryHours === undefined ? (provider === 'africastalking' ? settings.retryHours : undefined) : parseRetryHours(options.retryHours);
    requireOffer(provider, { kind, sms: sms !== undefined, retries: retryHours !== undefined });
    // A product named by id alone: its kind (and so whether the target is a meter) comes from the catalogue.
    if (kind === undefined && options.productId !== undefined) kind = (await catalogueEntry(context, options.productId)).kind;
    const asked = kind !== undefined;
    kind ??= 'airtime';
    requireOffer(provider, { kind });
    let targetText: string;
    let money: Money;
    if (kind === 'zesa') {
      const purchase = resolveMeterPurchase(
        { meter: target, amount, currency: options.currency },
        {
          currency: settings.currency,
          limits: settings.limits,
          decimalMark,
          decimalFlags: true,
        },
      );
      targetText = purchase.meter;
      money = purchase.money;
    } else {
      const recipient = resolveRecipient(
        { phone: target, amount, currency: options.currency, country: options.country },
        {
          country: settings.country,
          currency: settings.currency,
          forceCurrency: options.forceCurrency,
          limits: settings.limits,
          decimalMark,
          decimalFlags: true,
          exampleCountry: homeCountry[settings.provider],
        },
      );
      targetText = recipient.phone.e164;
      money = recipient.money;
    }
    const details: TransferDetails | null =
      asked || sms !== undefined || retryHours !== undefined
        ? {
            ...(asked ? { product: { kind, ...(options.productId !== undefined ? { id: options.productId } : {}) } } : {}),
            ...(kind === 'zesa' ? { target: 'meter' as const } : {}),
            ...(sms !== undefined ? { sms } : {}),
            ...(retryHours !== undefined ? { retryHours } : {}),
          }
        : null;
    return await payOne(io, context, { reference: options.key ?? newTransferKey(), target: targetText, money, details, note: options.note }, options, {
      timeoutMs,
      windowMs,
    });
  } finally {
    await context.close();
  }
}

/** One catalogue entry by id, from the active provider (`--product-id` without `--product`). */
async function catalogueEntry(context: AppContext, id: string): Promise<Product> {
  const provider = await context.provider();
  if (!provider.products) throw usageError(`${provider.name} publishes no catalogue: --product-id is for zw and the sandbox`);
  const product = (await provider.products()).find((entry) => String(entry.id) === id);
  if (!product) throw invalidInput(`product ${id} is not in ${provider.name}'s catalogue: list them with '${airtimeCommand('products', 'provider')}'`);
  return product;
}
