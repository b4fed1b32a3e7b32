import { createHash } from 'node:crypto';

/**
 * The account a transfer belongs to: a provider, the profile it was configured in, and where and as whom
 * it talks (base URL, username or consumer key). A transfer is sent, asked about and reconciled only
 * through its own account — never through whichever one is active now.
 */
export interface Account {
  /** `<provider>/<profile>@<8 hex of endpoint and principal>`: readable, and different whenever the endpoint is. */
  readonly id: string;
  readonly provider: string;
  readonly profile: string;
  /** Base URL, or `embedded` for the sandbox. */
  readonly endpoint: string;
  /** Username or consumer key where the provider has one (never a secret). */
  readonly principal: string | null;
}

export function makeAccount(provider: string, profile: string, endpoint: string, principal: string | null): Account {
  const digest = createHash('sha256')
    .update(`${provider}\n${endpoint}\n${principal ?? ''}`)
    .digest('hex')
    .slice(0, 8);
  return { id: `${provider}/${profile}@${digest}`, provider, profile, endpoint, principal };
}

/** Journals written before accounts existed: their transfers belong to a provider and profile, endpoint unknown. */
export function legacyAccountId(provider: string, profile: string): string {
  return `${provider}/${profile}@legacy`;
}

/** Whether a transfer journaled under `stored` may be handled through `current`. */
export function accountMatches(stored: string, current: Account): boolean {
  return stored === current.id || stored === legacyAccountId(current.provider, current.profile);
}

/**
 * Whether a journaled account is the same account at the provider as `current` under another profile: same
 * provider, endpoint and principal. The provider deduplicates on a key across our profiles.
 */
export function sameProviderAccount(stored: string, current: Account): boolean {
  const at = stored.lastIndexOf('@');
  return stored !== current.id && stored.startsWith(`${current.provider}/`) && stored.slice(at) === current.id.slice(current.id.lastIndexOf('@'));
}

/** "zw (profile work)" for messages. */
export function describeAccount(account: Pick<Account, 'provider' | 'profile'>): string {
  return `${account.provider} (profile ${account.profile})`;
}
