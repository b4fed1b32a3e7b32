import { setInForce } from './in-force.js';
import { configError, usageError } from '../core/errors.js';
import { requireCurrency } from '../core/money.js';
import { parseAmount, type AmountLimits } from '../core/money.js';
import { didYouMean } from '../core/suggest.js';
import { isProviderName, providerNames, type ProviderName } from '../providers/names.js';
import { checkJournalUrl, type JournalLocation } from './journal-url.js';
import { defaultLargeRunRows } from './schema.js';
import type { AirtimePaths } from './paths.js';
import type { Profile } from './schema.js';
import { ConfigStore, defaultProfileName } from './store.js';

export interface Credentials {
  username?: string | undefined;
  apiKey?: string | undefined;
  consumerKey?: string | undefined;
  consumerSecret?: string | undefined;
  webhookSecret?: string | undefined;
  /** zw: signs campaign payouts (HMAC-SHA256 of the raw body). */
  campaignSecret?: string | undefined;
}

/** Everything a command needs to reach a provider, after flags > environment > profile > defaults. */
export interface Settings {
  readonly paths: AirtimePaths;
  readonly profileName: string;
  readonly profileExists: boolean;
  readonly provider: ProviderName;
  /** The provider the profile itself names (sandbox when none): credentials come from the profile only when it is `provider`. */
  readonly profileProvider: ProviderName;
  /** The profile's defaults for recipients. */
  readonly country: string | undefined;
  readonly currency: string | undefined;
  readonly baseUrl: string | undefined;
  /** Where the base URL came from, for messages: the environment variable or the profile's setting. */
  readonly baseUrlFrom: string;
  /** The profile allows a plain http:// base URL to another host (`allow-insecure-http true`). */
  readonly allowInsecureHttp: boolean;
  readonly credentials: Credentials;
  readonly limits: Record<string, AmountLimits>;
  /** Where the journal lives: `AIRTIME_JOURNAL_URL` > the `journal` setting > the embedded SQLite file. */
  readonly journal: JournalLocation;
  /** Above these a run is confirmed by typing its size (rows, or minor units per currency). */
  readonly largeRun: LargeRun;
  /** Africa's Talking: hours it retries a failed delivery (`maxNumRetry`), the profile's `retry-hours`. */
  readonly retryHours: number | undefined;
}

export interface LargeRun {
  readonly rows: number;
  readonly totals: Readonly<Record<string, number>>;
}

/** Only the flags that choose where to send; --country and --currency describe a recipient instead. */
export interface SettingFlags {
  profile?: string | undefined;
  provider?: string | undefined;
}

const envBaseUrl: Record<ProviderName, string | undefined> = {
  sandbox: undefined,
  africastalking: 'AT_BASE_URL',
  lipad: 'LIPAD_BASE_URL',
  zw: 'ZW_BASE_URL',
};

function pick(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '')?.trim();
}

function envCredentials(provider: ProviderName, env: NodeJS.ProcessEnv): Credentials {
  switch (provider) {
    case 'africastalking':
      return { username: env.AT_USERNAME, apiKey: env.AT_API_KEY };
    case 'lipad':
      return { consumerKey: env.LIPAD_CONSUMER_KEY, consumerSecret: env.LIPAD_CONSUMER_SECRET };
    case 'zw':
      return { apiKey: env.ZW_API_KEY, webhookSecret: env.ZW_WEBHOOK_SECRET, campaignSecret: env.ZW_CAMPAIGN_SECRET };
    case 'sandbox':
      return {};
  }
}

function profileLimits(profile: Profile): Record<string, AmountLimits> {
  const limits: Record<string, AmountLimits> = {};
  for (const [code, bounds] of Object.entries(profile.limits ?? {})) {
    const info = requireCurrency(code);
    // Parsing with open limits: a profile's bound is itself an amount in that currency.
    const open = { minMinor: null, maxMinor: null };
    limits[info.code] = {
      ...(bounds.min !== undefined ? { minMinor: parseAmount(bounds.min, info, { ...open, decimalMark: '.' }).minor } : {}),
      ...(bounds.max !== undefined ? { maxMinor: parseAmount(bounds.max, info, { ...open, decimalMark: '.' }).minor } : {}),
    };
  }
  return limits;
}

function largeRun(profile: Profile | undefined): LargeRun {
  const totals: Record<string, number> = {};
  let rows = defaultLargeRunRows;
  for (const [name, value] of Object.entries(profile?.largeRun ?? {})) {
    if (name === 'rows') rows = Math.max(1, Number(value) || defaultLargeRunRows);
    else totals[requireCurrency(name).code] = parseAmount(value, requireCurrency(name), { minMinor: null, maxMinor: null, decimalMark: '.' }).minor;
  }
  return { rows, totals };
}

export function resolveSettings(paths: AirtimePaths, flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const store = new ConfigStore(paths);
  const profileName = pick(flags.profile, env.AIRTIME_PROFILE) ?? store.activeProfileName();
  const profile = store.profile(profileName);
  const explicitlyNamed = pick(flags.profile, env.AIRTIME_PROFILE) !== undefined;
  if (!profile && explicitlyNamed && profileName !== defaultProfileName) {
    const names = [defaultProfileName, ...Object.keys(store.profiles())];
    throw configError(
      `profile "${profileName}" does not exist${didYouMean(profileName, names)}: list them with 'airtime profile list' or add it with 'airtime profile add ${profileName}'`,
    );
  }
  const providerText = pick(flags.provider, env.AIRTIME_PROVIDER) ?? profile?.provider ?? 'sandbox';
  if (!isProviderName(providerText)) {
    throw usageError(`provider "${providerText}" is not known${didYouMean(providerText, providerNames)}: choose ${providerNames.join(', ')}`);
  }
  const provider = providerText;
  // Next steps carry what a bare command in this environment would not pick by itself (config/in-force.ts).
  const bareProfile = pick(env.AIRTIME_PROFILE) ?? store.activeProfileName();
  const bareProvider = pick(env.AIRTIME_PROVIDER) ?? store.profile(bareProfile)?.provider ?? 'sandbox';
  setInForce({
    profile: profileName !== bareProfile ? profileName : undefined,
    provider: provider !== bareProvider && pick(flags.provider) !== undefined ? provider : undefined,
  });
  // A profile's credentials are for the profile's provider; a --provider override takes only env credentials.
  const sameProvider = (profile?.provider ?? 'sandbox') === provider;
  const fromEnv = envCredentials(provider, env);
  const fromProfile: Credentials = sameProvider && profile ? profile : {};
  const baseUrlEnv = envBaseUrl[provider];
  const baseUrlFromEnv = baseUrlEnv ? pick(env[baseUrlEnv]) : undefined;
  return {
    paths,
    profileName,
    profileExists: profile !== undefined,
    provider,
    profileProvider: profile?.provider ?? 'sandbox',
    country: profile?.country?.toUpperCase(),
    currency: profile?.currency?.toUpperCase(),
    baseUrl: pick(baseUrlFromEnv, sameProvider ? profile?.baseUrl : undefined),
    baseUrlFrom: baseUrlFromEnv !== undefined && baseUrlEnv ? baseUrlEnv : `profile ${profileName}'s base-url`,
    // Like its credentials, a profile's allowance is for the profile's own provider.
    allowInsecureHttp: sameProvider && profile?.allowInsecureHttp === 'true',
    credentials: {
      username: pick(fromEnv.username, fromProfile.username),
      apiKey: pick(fromEnv.apiKey, fromProfile.apiKey),
      consumerKey: pick(fromEnv.consumerKey, fromProfile.consumerKey),
      consumerSecret: pick(fromEnv.consumerSecret, fromProfile.consumerSecret),
      webhookSecret: pick(fromEnv.webhookSecret, fromProfile.webhookSecret),
      campaignSecret: pick(fromEnv.campaignSecret, fromProfile.campaignSecret),
    },
    limits: profile ? profileLimits(profile) : {},
    largeRun: largeRun(profile),
    journal: journalLocation(paths, store, env),
    // A profile's retry hours are for the profile's provider, like its credentials.
    retryHours: sameProvider && profile?.retryHours !== undefined ? parseRetryHours(profile.retryHours, "the profile's retry-hours") : undefined,
  };
}

export function journalLocation(paths: AirtimePaths, store: ConfigStore, env: NodeJS.ProcessEnv): JournalLocation {
  const fromEnv = pick(env.AIRTIME_JOURNAL_URL);
  if (fromEnv) return { kind: 'postgres', url: checkJournalUrl(fromEnv, 'AIRTIME_JOURNAL_URL') };
  const configured = pick(store.journalUrl());
  if (configured) return { kind: 'postgres', url: checkJournalUrl(configured) };
  return { kind: 'sqlite', file: paths.journalFile };
}

/** Every secret the settings hold, for redaction of raw payloads. */
export function settingSecrets(settings: Settings): string[] {
  const { apiKey, consumerSecret, webhookSecret, campaignSecret } = settings.credentials;
  return [apiKey, consumerSecret, webhookSecret, campaignSecret].filter((secret): secret is string => Boolean(secret));
}

/**
 * Africa's Talking's `maxNumRetry`: whole hours (its SDKs send an integer > 0). AT publishes no maximum;
 * 72 keeps a typo (800) from reaching it while covering its 8-hour default many times over.
 */
export const maxRetryHours = 72;

export function parseRetryHours(text: string, where = '--retry-hours'): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1 || value > maxRetryHours) {
    throw usageError(`${where} "${text}" is not a whole number of hours from 1 to ${maxRetryHours}`);
  }
  return value;
}
