import type { AirtimePaths } from '../config/paths.js';
import { resolveSettings } from '../config/settings.js';
import { configError } from '../core/errors.js';
import type { ProviderName } from '../providers/names.js';
import { sandboxCallbackKey } from './sandbox-key.js';
import type { Signing } from './shapes.js';

/** zw signs with the webhook secret of the transfer's profile (or the active one); the sandbox with the data folder's key. */
export function signingFor(paths: AirtimePaths, provider: ProviderName, profile: string | undefined): Signing {
  if (provider === 'sandbox') return { sandboxKey: sandboxCallbackKey(paths.dataDir) };
  if (provider !== 'zw') return {};
  const zwSecret = resolveSettings(paths, { profile, provider: 'zw' }).credentials.webhookSecret;
  if (!zwSecret) throw configError('zw callbacks are signed and no webhook secret is set: set ZW_WEBHOOK_SECRET or the profile’s webhook-secret');
  return { zwSecret };
}
