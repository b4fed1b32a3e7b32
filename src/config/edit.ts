import { currencyInfo } from '../core/currency.js';
import { usageError } from '../core/errors.js';
import { parseAmount, requireCurrency } from '../core/money.js';
import { isProviderName } from '../providers/names.js';
import { maskSecret } from './mask.js';
import { parseRetryHours } from './settings.js';
import { isSettingKey, settingKeys, type Profile, type SettingKey } from './schema.js';

export type ParsedKey =
  | { readonly kind: 'setting'; readonly key: SettingKey; readonly secret: boolean }
  | { readonly kind: 'limit'; readonly key: string; readonly currency: string; readonly bound: 'min' | 'max'; readonly secret: false };

export function parseSettingKey(key: string): ParsedKey {
  if (isSettingKey(key)) return { kind: 'setting', key, secret: settingKeys[key].secret };
  const limit = /^limits\.([A-Za-z]{3})\.(min|max)$/.exec(key);
  if (limit) {
    const currency = requireCurrency(limit[1] ?? '').code;
    return { kind: 'limit', key: `limits.${currency}.${limit[2]}`, currency, bound: limit[2] as 'min' | 'max', secret: false };
  }
  throw usageError(`setting "${key}" is not known: choose one of ${Object.keys(settingKeys).join(', ')}, limits.<CUR>.min or limits.<CUR>.max`);
}

export function readSetting(profile: Profile, key: ParsedKey): string | undefined {
  if (key.kind === 'limit') return profile.limits?.[key.currency]?.[key.bound];
  const value = profile[settingKeys[key.key].field];
  return typeof value === 'string' ? value : undefined;
}

/** Shows a value as it may be displayed: secrets masked, always. */
export function displaySetting(key: ParsedKey, value: string | undefined): string {
  if (key.secret) return maskSecret(value);
  return value ?? '(not set)';
}

function validate(key: ParsedKey, raw: string): string {
  const value = raw.trim();
  if (value === '') throw usageError(`${key.key} cannot be empty: use 'airtime config unset ${key.key}' to remove it`);
  if (key.kind === 'limit') {
    parseAmount(value, requireCurrency(key.currency), { minMinor: null, maxMinor: null });
    return value;
  }
  switch (key.key) {
    case 'provider':
      if (!isProviderName(value)) throw usageError(`provider "${value}" is not known: choose sandbox, africastalking, lipad or zw`);
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
  }
}

export function writeSetting(profile: Profile, key: ParsedKey, raw: string): Profile {
  const value = validate(key, raw);
  if (key.kind === 'limit') {
    const limits = { ...(profile.limits ?? {}) };
    limits[key.currency] = { ...(limits[key.currency] ?? {}), [key.bound]: value };
    return { ...profile, limits };
  }
  return { ...profile, [settingKeys[key.key].field]: value };
}

export function removeSetting(profile: Profile, key: ParsedKey): Profile {
  if (key.kind === 'limit') {
    const limits = { ...(profile.limits ?? {}) };
    const { [key.bound]: _removed, ...rest } = limits[key.currency] ?? {};
    if (Object.keys(rest).length) limits[key.currency] = rest;
    else delete limits[key.currency];
    return { ...profile, limits };
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
  return rows;
}
