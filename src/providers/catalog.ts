import type { ProductKind } from '../core/product.js';
import type { ProviderName } from './names.js';
import type { Capabilities } from './provider.js';

/** What a provider sells and which of its extra services the tool uses. */
export interface Offers {
  readonly products: readonly ProductKind[];
  /** A catalogue (products, ranges) that new transfers are checked against before the gate. */
  readonly catalogue: boolean;
  /** A text to the recipient with the order (`--sms`, the `sms` column). */
  readonly customSms: boolean;
  /** Retries of failed deliveries by the provider (`--retry-hours`). */
  readonly retries: boolean;
  /** `wallet topup`: a payment link. */
  readonly walletTopUp: boolean;
  /** `bulk --dry-run` asks the provider too. */
  readonly bulkPreview: boolean;
  /** `bulk --remote`: the batch in server-side bulk requests. */
  readonly remoteBulk: boolean;
  /** `campaign payout`. */
  readonly campaignPayouts: boolean;
}

export interface ProviderEntry {
  readonly name: ProviderName;
  readonly title: string;
  readonly credentials: string;
  readonly capabilities: Capabilities;
  readonly offers: Offers;
}

const airtimeOnly: Offers = {
  products: ['airtime'],
  catalogue: false,
  customSms: false,
  retries: false,
  walletTopUp: false,
  bulkPreview: false,
  remoteBulk: false,
  campaignPayouts: false,
};

/** What each provider can do, known without building an adapter (`airtime providers`). */
export const providerCatalog: Record<ProviderName, ProviderEntry> = {
  sandbox: {
    name: 'sandbox',
    title: 'Embedded sandbox (no network; magic numbers)',
    credentials: 'none',
    capabilities: {
      maxRecipientsPerRequest: 100,
      statusQuery: 'by-our-reference',
      balance: true,
      ledger: true,
      dedupesOnKey: true,
      callbacks: true,
      signedCallbacks: false,
    },
    offers: { ...airtimeOnly, products: ['airtime', 'data', 'zesa'], catalogue: true, customSms: true, walletTopUp: true },
  },
  africastalking: {
    name: 'africastalking',
    title: "Africa's Talking airtime",
    credentials: 'username + api-key (AT_USERNAME, AT_API_KEY)',
    capabilities: {
      maxRecipientsPerRequest: 100,
      statusQuery: 'by-provider-reference',
      balance: true,
      ledger: false,
      dedupesOnKey: true,
      callbacks: true,
      signedCallbacks: false,
    },
    offers: { ...airtimeOnly, retries: true },
  },
  lipad: {
    name: 'lipad',
    title: 'Lipad airtime gateway',
    credentials: 'consumer-key + consumer-secret (LIPAD_CONSUMER_KEY, LIPAD_CONSUMER_SECRET)',
    capabilities: {
      maxRecipientsPerRequest: 1000,
      statusQuery: 'by-our-reference',
      balance: false,
      ledger: false,
      dedupesOnKey: true,
      callbacks: true,
      signedCallbacks: false,
    },
    offers: airtimeOnly,
  },
  zw: {
    name: 'zw',
    title: 'Zimbabwe orders API (airtime, data, ZESA tokens)',
    credentials: 'api-key (ZW_API_KEY); webhook-secret for callbacks (ZW_WEBHOOK_SECRET); campaign-secret for payouts (ZW_CAMPAIGN_SECRET)',
    capabilities: {
      maxRecipientsPerRequest: 1,
      // Unpublished; small enough that one lost answer leaves few orders to ask about.
      maxRecipientsPerBulk: 200,
      statusQuery: 'by-our-reference',
      balance: true,
      ledger: true,
      dedupesOnKey: true,
      callbacks: true,
      signedCallbacks: true,
    },
    offers: {
      products: ['airtime', 'data', 'zesa'],
      catalogue: true,
      customSms: true,
      retries: false,
      walletTopUp: true,
      bulkPreview: true,
      remoteBulk: true,
      campaignPayouts: true,
    },
  },
};

/** The country a provider serves first: the example in hints for a local number (zw: Zimbabwe). */
export const homeCountry: Record<ProviderName, string> = { sandbox: 'KE', africastalking: 'KE', lipad: 'KE', zw: 'ZW' };
