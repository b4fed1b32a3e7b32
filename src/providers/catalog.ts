import type { ProviderName } from './names.js';
import type { Capabilities } from './provider.js';

export interface ProviderEntry {
  readonly name: ProviderName;
  readonly title: string;
  readonly credentials: string;
  readonly capabilities: Capabilities;
}

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
  },
  zw: {
    name: 'zw',
    title: 'Zimbabwe airtime orders API',
    credentials: 'api-key (ZW_API_KEY); webhook-secret for callbacks (ZW_WEBHOOK_SECRET)',
    capabilities: {
      maxRecipientsPerRequest: 1,
      statusQuery: 'by-our-reference',
      balance: true,
      ledger: true,
      dedupesOnKey: true,
      callbacks: true,
      signedCallbacks: true,
    },
  },
};
