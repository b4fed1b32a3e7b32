import { configError } from '../core/errors.js';
import { airtimeCommand } from '../config/in-force.js';
import type { ProviderName } from './names.js';

const set = (key: string) => `'${airtimeCommand(`config set ${key}`, 'setting')}'`;

/** Built when the error is, so that each command names the profile in force (config/in-force.ts). */
const credentialNames: Record<ProviderName, () => string> = {
  sandbox: () => 'nothing (the sandbox needs no credentials)',
  africastalking: () => `the username and api-key (${set('username')}, ${set('api-key')}, or AT_USERNAME and AT_API_KEY)`,
  lipad: () => `the consumer-key and consumer-secret (${set('consumer-key')}, ${set('consumer-secret')}, or LIPAD_CONSUMER_KEY and LIPAD_CONSUMER_SECRET)`,
  zw: () => `the api-key (${set('api-key')}, or ZW_API_KEY)`,
};

/**
 * 401/403 from a provider: a configuration problem (exit 4) naming the credentials to check. When an
 * earlier attempt of the same request may have reached the provider, the refusal proves nothing about
 * that attempt: the error says so, and a send it ends is `unknown`, not "never sent".
 */
export function authRefused(provider: ProviderName, status: number, afterUncertainAttempt = false): Error {
  const error = configError(`${provider} refused the credentials (HTTP ${status}): check ${credentialNames[provider]()}`);
  return Object.assign(error, { mayHaveReached: afterUncertainAttempt });
}

/** A backstop for adapters built without the settings check (config/credentials-check.ts says it first, better). */
export function missingCredential(provider: ProviderName, what: string): Error {
  return configError(`${provider} needs ${what}: set it with ${set(what.replace(/^an? /, '').split(' ')[0] ?? '')} or its environment variable`);
}
