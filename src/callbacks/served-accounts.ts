import { accountFor } from '../config/account.js';
import type { AirtimePaths } from '../config/paths.js';
import { resolveSettings } from '../config/settings.js';
import { ConfigStore, defaultProfileName } from '../config/store.js';
import { legacyAccountId } from '../core/account.js';
import { providerNames, type ProviderName } from '../providers/names.js';

/** An account a listener speaks for: its callbacks may move that account's transfers, no others. */
export interface ServedAccount {
  readonly id: string;
  readonly provider: ProviderName;
  readonly profile: string;
  /** Where and as whom, for the start-up lines (never a secret). */
  readonly endpoint: string;
  readonly principal: string | null;
  /** zw: the secret its webhooks are signed with; the signature says which account a webhook is for. */
  readonly webhookSecret?: string | undefined;
}

/**
 * The accounts a listener serves: those of the profile it was started for (`--profile` or
 * AIRTIME_PROFILE), or of every profile in the config (and `default`) when none was named — each through
 * every provider, as `--profile P --provider X` would send (environment credentials included). A callback
 * may only move transfers of these accounts.
 */
export function servedAccounts(paths: AirtimePaths, env: NodeJS.ProcessEnv, profile?: string): ServedAccount[] {
  const named = profile ?? env.AIRTIME_PROFILE?.trim();
  const store = new ConfigStore(paths);
  const profiles = named ? [named] : [...new Set([defaultProfileName, store.activeProfileName(), ...Object.keys(store.profiles())])];
  const served = new Map<string, ServedAccount>();
  for (const name of profiles) {
    for (const provider of providerNames) {
      const settings = resolveSettings(paths, { profile: name, provider }, env);
      const account = accountFor(settings);
      if (served.has(account.id)) continue;
      served.set(account.id, {
        id: account.id,
        provider,
        profile: name,
        endpoint: account.endpoint,
        principal: account.principal,
        ...(provider === 'zw' ? { webhookSecret: settings.credentials.webhookSecret } : {}),
      });
    }
  }
  return [...served.values()];
}

/** Account ids per provider, with the ids journals written before accounts existed used for the same profiles. */
export function accountIds(accounts: readonly ServedAccount[]): Map<ProviderName, string[]> {
  const byProvider = new Map<ProviderName, string[]>();
  for (const account of accounts) {
    const ids = byProvider.get(account.provider) ?? [];
    ids.push(account.id, legacyAccountId(account.provider, account.profile));
    byProvider.set(account.provider, [...new Set(ids)]);
  }
  return byProvider;
}
