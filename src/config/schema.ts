import type { ProviderName } from '../providers/names.js';

export interface ProfileLimits {
  [currency: string]: { min?: string; max?: string };
}

/** One named profile as stored in the config file. Secrets are stored here (0600) and masked on display. */
export interface Profile {
  provider?: ProviderName;
  country?: string;
  currency?: string;
  baseUrl?: string;
  username?: string;
  apiKey?: string;
  consumerKey?: string;
  consumerSecret?: string;
  webhookSecret?: string;
  campaignSecret?: string;
  retryHours?: string;
  /** "true": a plain http:// base URL to another host is used (its secrets cross the network in clear). */
  allowInsecureHttp?: string;
  limits?: ProfileLimits;
  /** What makes a run large enough to be confirmed by typing its size: `rows` (1000 unless set) and amounts per currency. */
  largeRun?: Record<string, string>;
}

export interface ConfigFile {
  activeProfile?: string;
  /** A shared PostgreSQL journal (team mode) for every profile; unset: the embedded SQLite file. */
  journal?: string;
  profiles?: Record<string, Profile>;
}

/** The keys `airtime config set` takes, in the order `config list` shows them. */
export const settingKeys = {
  provider: { field: 'provider', secret: false, about: 'sandbox | africastalking | lipad | zw' },
  country: { field: 'country', secret: false, about: 'default country for local numbers (ISO code, e.g. KE)' },
  currency: { field: 'currency', secret: false, about: 'default currency (ISO-4217)' },
  'base-url': { field: 'baseUrl', secret: false, about: "override of the provider's base URL" },
  username: { field: 'username', secret: false, about: "Africa's Talking username" },
  'api-key': { field: 'apiKey', secret: true, about: "Africa's Talking or zw API key" },
  'consumer-key': { field: 'consumerKey', secret: false, about: 'Lipad consumer key' },
  'consumer-secret': { field: 'consumerSecret', secret: true, about: 'Lipad consumer secret' },
  'webhook-secret': { field: 'webhookSecret', secret: true, about: 'zw webhook signing secret' },
  'campaign-secret': { field: 'campaignSecret', secret: true, about: 'zw campaign payout signing secret' },
  'retry-hours': { field: 'retryHours', secret: false, about: "Africa's Talking: hours to retry a failed delivery (maxNumRetry)" },
  'allow-insecure-http': {
    field: 'allowInsecureHttp',
    secret: false,
    about: 'true: use a plain http:// base URL to another host (credentials cross the network unencrypted)',
  },
} as const satisfies Record<string, { field: keyof Profile; secret: boolean; about: string }>;

export type SettingKey = keyof typeof settingKeys;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(settingKeys, key);
}

/** Every key `config set` takes, patterns included: for help, completion and "did you mean". */
export const allSettingKeys = [...Object.keys(settingKeys), 'limits.<CUR>.min', 'limits.<CUR>.max', 'large-run.rows', 'large-run.<CUR>', 'journal'];

/** The large-run row threshold when none is set. */
export const defaultLargeRunRows = 1000;
