import { currencyInfo } from '../core/currency.js';
import { usageError } from '../core/errors.js';
import { formatMinor, parseAmount, requireCurrency } from '../core/money.js';
import { isProviderName, providerNames } from '../providers/names.js';
import { didYouMean } from '../core/suggest.js';
import { defaultBaseUrl } from './account.js';
import { checkJournalUrl, maskJournalUrl } from './journal-url.js';
import { maskSecret } from './mask.js';
import { allSettingKeys, defaultLargeRunRows, isSettingKey, settingKeys, type Profile, type SettingKey } from './schema.js';
import { parseRetryHours } from './settings.js';

export type ParsedKey =
  | { readonly kind: 'setting'; readonly key: SettingKey; readonly secret: boolean }
  /** Global, not per profile: the shared journal's URL (its password is a secret). */
  | { readonly kind: 'journal'; readonly key: 'journal'; readonly secret: true }
  | { readonly kind: 'limit'; readonly key: string; readonly currency: string; readonly bound: 'min' | 'max'; readonly secret: false }
  /** `large-run.rows` or `large-run.<CUR>`: above it, a run is confirmed by typing its size. */
  | { readonly kind: 'large-run'; readonly key: string; readonly currency: string | null; readonly secret: false };

export function parseSettingKey(key: string): ParsedKey {
  if (key === 'journal') return { kind: 'journal', key, secret: true };
  if (isSettingKey(key)) return { kind: 'setting', key, secret: settingKeys[key].secret };
  const limit = /^limits\.([A-Za-z]{3})\.(min|max)$/.exec(key);
  if (limit) {
    const currency = requireCurrency(limit[1] ?? '').code;
    return { kind: 'limit', key: `limits.${currency}.${limit[2]}`, currency, bound: limit[2] as 'min' | 'max', secret: false };
  }
  if (key === 'large-run.rows') return { kind: 'large-run', key, currency: null, secret: false };
  const large = /^large-run\.([A-Za-z]{3})$/.exec(key);
  if (large) {
    const currency = requireCurrency(large[1] ?? '').code;
    return { kind: 'large-run', key: `large-run.${currency}`, currency, secret: false };
  }
  const known = [...Object.keys(settingKeys), 'large-run.rows', 'limits.KES.max', 'limits.KES.min', 'large-run.KES', 'journal'];
  throw usageError(`setting "${key}" is not known${didYouMean(key, known)}: choose one of ${allSettingKeys.join(', ')}`);
}

export function readSetting(profile: Profile, key: ParsedKey): string | undefined {
  if (key.kind === 'journal') return undefined;
  if (key.kind === 'limit') return profile.limits?.[key.currency]?.[key.bound];
  if (key.kind === 'large-run') return profile.largeRun?.[key.currency ?? 'rows'];
  const value = profile[settingKeys[key.key].field];
  return typeof value === 'string' ? value : undefined;
}

/** The value a setting has when the profile does not set it, if it has one. */
export function defaultSetting(profile: Profile, key: ParsedKey): string | undefined {
  // The journal's default is the embedded SQLite file, which displaySetting names.
  if (key.kind === 'journal') return undefined;
  if (key.kind === 'limit') {
    const info = requireCurrency(key.currency);
    const minor = key.bound === 'min' ? info.minMinor : info.maxMinor;
    return minor === null ? undefined : formatMinor(minor, info);
  }
  if (key.kind === 'large-run') return key.currency === null ? String(defaultLargeRunRows) : undefined;
  switch (key.key) {
    case 'provider':
      return 'sandbox';
    case 'base-url':
      return defaultBaseUrl(profile.provider ?? 'sandbox', profile.username);
    case 'allow-insecure-http':
      return 'false';
    case 'country':
    case 'currency':
    case 'username':
    case 'api-key':
    case 'consumer-key':
    case 'consumer-secret':
    case 'webhook-secret':
    case 'campaign-secret':
    case 'retry-hours':
      return undefined;
  }
}

/** Shows a value as it may be displayed: secrets masked, always. */
export function displaySetting(key: ParsedKey, value: string | undefined): string {
  if (key.kind === 'journal') return value === undefined ? '(not set: the embedded SQLite journal)' : maskJournalUrl(value);
  if (key.secret) return maskSecret(value);
  return value ?? '(not set)';
}

function validate(key: ParsedKey, raw: string): string {
  const value = raw.trim();
  if (value === '') throw usageError(`${key.key} cannot be empty: use 'airtime config unset ${key.key}' to remove it`);
  if (key.kind === 'journal') return checkJournalUrl(value);
  if (key.kind === 'limit' || (key.kind === 'large-run' && key.currency !== null)) {
    parseAmount(value, requireCurrency(key.currency ?? ''), { minMinor: null, maxMinor: null, decimalMark: '.' });
    return value;
  }
  if (key.kind === 'large-run') {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw usageError(`large-run.rows "${value}" is not a whole number of rows, e.g. 1000`);
    return String(Number(value));
  }
  switch (key.key) {
    case 'provider':
      if (!isProviderName(value)) throw usageError(`provider "${value}" is not known${didYouMean(value, providerNames)}: choose ${providerNames.join(', ')}`);
      return value;
    case 'country':
      if (!/^[A-Za-z]{2}$/.test(value)) throw usageError(`country "${value}" is not a two-letter ISO code such as KE`);
      return value.toUpperCase();
    case 'currency':
      if (!currencyInfo(value)) requireCurrency(value);
      return value.toUpperCase();
    case 'base-url':
      try {
        const url = new URL(value);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      } catch {
        throw usageError(`${key.key} "${value}" is not an http(s) URL`);
      }
      return value.replace(/\/+$/, '');
    // Named one by one, not `default`: a new setting must be a decision about its validation, not an accident.
    case 'username':
    case 'api-key':
    case 'consumer-key':
    case 'consumer-secret':
    case 'webhook-secret':
    case 'campaign-secret':
      return value;
    case 'retry-hours':
      return String(parseRetryHours(value, 'retry-hours'));
    case 'allow-insecure-http':
      if (value !== 'true' && value !== 'false') throw usageError(`allow-insecure-http "${value}" is not true or false`);
      return value;
  }
}

/** A global setting's value, checked (`journal`). */
export function checkGlobalSetting(key: ParsedKey & { kind: 'journal' }, raw: string): string {
  return validate(key, raw);
}

export function writeSetting(profile: Profile, key: ParsedKey, raw: string): Profile {
  if (key.kind === 'journal') throw new Error('journal is a global setting, not a profile one');
  const value = validate(key, raw);
  if (key.kind === 'limit') {
    const limits = { ...(profile.limits ?? {}) };
    limits[key.currency] = { ...(limits[key.currency] ?? {}), [key.bound]: value };
    return { ...profile, limits };
  }
  if (key.kind === 'large-run') return { ...profile, largeRun: { ...(profile.largeRun ?? {}), [key.currency ?? 'rows']: value } };
  return { ...profile, [settingKeys[key.key].field]: value };
}

export function removeSetting(profile: Profile, key: ParsedKey): Profile {
  if (key.kind === 'journal') throw new Error('journal is a global setting, not a profile one');
  if (key.kind === 'limit') {
    const limits = { ...(profile.limits ?? {}) };
    const { [key.bound]: _removed, ...rest } = limits[key.currency] ?? {};
    if (Object.keys(rest).length) limits[key.currency] = rest;
    else delete limits[key.currency];
    return { ...profile, limits };
  }
  if (key.kind === 'large-run') {
    const { [key.currency ?? 'rows']: _gone, ...largeRun } = profile.largeRun ?? {};
    if (Object.keys(largeRun).length) return { ...profile, largeRun };
    const { largeRun: _all, ...rest } = profile;
    return rest;
  }
  const { [settingKeys[key.key].field]: _removed, ...rest } = profile;
  return rest;
}

/** Every setting of a profile as display rows (secrets masked). */
export function profileRows(profile: Profile): [string, string][] {
  const rows: [string, string][] = [];
  for (const name of Object.keys(settingKeys) as SettingKey[]) {
    const parsed = parseSettingKey(name);
    const value = readSetting(profile, parsed);
    if (value !== undefined) rows.push([name, displaySetting(parsed, value)]);
  }
  for (const [currency, bounds] of Object.entries(profile.limits ?? {})) {
    if (bounds.min !== undefined) rows.push([`limits.${currency}.min`, bounds.min]);
    if (bounds.max !== undefined) rows.push([`limits.${currency}.max`, bounds.max]);
  }
  for (const [name, value] of Object.entries(profile.largeRun ?? {})) rows.push([`large-run.${name}`, value]);
  return rows;
}
