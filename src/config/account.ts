import { makeAccount, type Account } from '../core/account.js';
import type { Settings } from './settings.js';

/** The hosts adapters use when no base URL is configured (providers/*.md → Hosts). */
const defaultEndpoints = {
  atLive: 'https://api.africastalking.com',
  atSandbox: 'https://api.sandbox.africastalking.com',
  lipadSandbox: 'https://sandbox.api.gateway.lipad.io',
};

/** The base URL a provider is reached at when none is configured (zw has none: its URL comes with the account). */
export function defaultBaseUrl(provider: string, username: string | undefined): string | undefined {
  switch (provider) {
    case 'africastalking':
      return username === 'sandbox' ? defaultEndpoints.atSandbox : defaultEndpoints.atLive;
    case 'lipad':
      return defaultEndpoints.lipadSandbox;
    default:
      return undefined;
  }
}

function normalise(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    return `${parsed.origin}${path}`;
  } catch {
    return url.trim();
  }
}

/** The account the settings point at: where and as whom the provider is reached (never a secret). */
export function accountFor(settings: Settings): Account {
  const { provider, profileName, baseUrl, credentials } = settings;
  switch (provider) {
    case 'sandbox':
      return makeAccount(provider, profileName, 'embedded', null);
    case 'africastalking': {
      const fallback = credentials.username === 'sandbox' ? defaultEndpoints.atSandbox : defaultEndpoints.atLive;
      return makeAccount(provider, profileName, normalise(baseUrl ?? fallback), credentials.username ?? null);
    }
    case 'lipad':
      return makeAccount(provider, profileName, normalise(baseUrl ?? defaultEndpoints.lipadSandbox), credentials.consumerKey ?? null);
    case 'zw':
      return makeAccount(provider, profileName, baseUrl ? normalise(baseUrl) : '(no base URL)', null);
  }
}
