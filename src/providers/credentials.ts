import { configError } from '../core/errors.js';
import type { ProviderName } from './names.js';

const credentialNames: Record<ProviderName, string> = {
  sandbox: 'nothing (the sandbox needs no credentials)',
  africastalking: "the username and api-key (AT_USERNAME, AT_API_KEY; 'airtime config set username|api-key')",
  lipad: "the consumer-key and consumer-secret (LIPAD_CONSUMER_KEY, LIPAD_CONSUMER_SECRET; 'airtime config set consumer-key|consumer-secret')",
  zw: "the api-key (ZW_API_KEY; 'airtime config set api-key')",
};

/**
 * 401/403 from a provider: a configuration problem (exit 4) naming the credentials to check. When an
 * earlier attempt of the same request may have reached the provider, the refusal proves nothing about
 * that attempt: the error says so, and a send it ends is `unknown`, not "never sent".
 */
export function authRefused(provider: ProviderName, status: number, afterUncertainAttempt = false): Error {
  const error = configError(`${provider} refused the credentials (HTTP ${status}): check ${credentialNames[provider]}`);
  return Object.assign(error, { mayHaveReached: afterUncertainAttempt });
}

export function missingCredential(provider: ProviderName, what: string): Error {
  return configError(`${provider} needs ${what}: set it with 'airtime config set' or the environment (${credentialNames[provider]})`);
}
