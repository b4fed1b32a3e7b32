import { configError } from '../core/errors.js';
import { airtimeCommand } from './in-force.js';
import type { ProviderName } from '../providers/names.js';
import type { Credentials, Settings } from './settings.js';

interface Needed {
  readonly key: string;
  readonly env: string;
  readonly has: (settings: Settings) => boolean;
}

const set = (field: keyof Credentials) => (settings: Settings) => Boolean(settings.credentials[field]);

/** What each provider cannot work without: the setting's key, its environment variable. */
const needed: Record<ProviderName, readonly Needed[]> = {
  sandbox: [],
  africastalking: [
    { key: 'username', env: 'AT_USERNAME', has: set('username') },
    { key: 'api-key', env: 'AT_API_KEY', has: set('apiKey') },
  ],
  lipad: [
    { key: 'consumer-key', env: 'LIPAD_CONSUMER_KEY', has: set('consumerKey') },
    { key: 'consumer-secret', env: 'LIPAD_CONSUMER_SECRET', has: set('consumerSecret') },
  ],
  zw: [
    { key: 'api-key', env: 'ZW_API_KEY', has: set('apiKey') },
    { key: 'base-url', env: 'ZW_BASE_URL', has: (settings) => Boolean(settings.baseUrl) },
  ],
};

const and = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`);

/**
 * Refuses, before any request, settings that lack what their provider needs — naming each missing setting
 * exactly, the command that sets it on the right profile, and its environment variable. A `--provider`
 * that overrides the profile's own provider takes credentials from the environment only, so that case is
 * told as it is rather than suggesting a `config set` that would not be used.
 */
export function requireCredentials(settings: Settings): void {
  const missing = needed[settings.provider].filter((entry) => !entry.has(settings));
  if (missing.length === 0) return;
  const keys = and(missing.map((entry) => entry.key));
  const envs = and(missing.map((entry) => entry.env));
  const provider = settings.provider;
  if (settings.profileProvider !== provider) {
    const why = settings.profileExists
      ? ` (profile ${settings.profileName} is for ${settings.profileProvider}: its settings are not used with --provider ${provider})`
      : '';
    throw configError(
      `${provider} needs its ${keys}: set ${envs} in the environment, or keep them in a profile for ${provider}: 'airtime profile add <name> --provider ${provider}'${why}`,
    );
  }
  const commands = missing.map((entry) => `'${airtimeCommand(`config set ${entry.key}`, 'setting')}'`);
  throw configError(`${provider} needs its ${keys}: set ${missing.length === 1 ? 'it' : 'them'} with ${and(commands)}, or ${envs} in the environment`);
}

/** The credential settings each provider reads: one set on a profile for another provider is never used. */
const credentialKeys: Record<ProviderName, readonly string[]> = {
  sandbox: [],
  africastalking: ['username', 'api-key'],
  lipad: ['consumer-key', 'consumer-secret', 'webhook-secret'],
  zw: ['api-key', 'webhook-secret', 'campaign-secret'],
};
const allCredentialKeys = new Set(Object.values(credentialKeys).flat());

/** Whether `key` is a credential that `provider` does not read (so setting it on that profile does nothing). */
export function unusedCredential(provider: ProviderName, key: string): boolean {
  return allCredentialKeys.has(key) && !credentialKeys[provider].includes(key);
}
