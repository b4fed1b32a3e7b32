import { requireSecureBaseUrl } from '../config/base-url.js';
import { requireCredentials } from '../config/credentials-check.js';
import type { Settings } from '../config/settings.js';
import { ensureDir } from '../config/paths.js';
import type { ProviderDiagnostics } from './diagnostics.js';
import type { Provider } from './provider.js';

/** The adapters that talk HTTP, each built from the resolved settings (profile or environment). */
export async function createHttpProvider(settings: Settings, diagnostics?: ProviderDiagnostics): Promise<Provider> {
  requireCredentials(settings);
  requireSecureBaseUrl(settings);
  const { credentials, baseUrl } = settings;
  const cacheDir = ensureDir(settings.paths.dataDir);
  switch (settings.provider) {
    case 'africastalking': {
      const { AfricasTalkingProvider } = await import('./africastalking.js');
      return new AfricasTalkingProvider({ username: credentials.username, apiKey: credentials.apiKey, baseUrl, diagnostics });
    }
    case 'lipad': {
      const { LipadProvider } = await import('./lipad.js');
      return new LipadProvider({ consumerKey: credentials.consumerKey, consumerSecret: credentials.consumerSecret, baseUrl, cacheDir, diagnostics });
    }
    case 'zw': {
      const { ZwProvider } = await import('./zw.js');
      return new ZwProvider({ apiKey: credentials.apiKey, baseUrl, cacheDir, diagnostics, campaignSecret: credentials.campaignSecret });
    }
    case 'sandbox':
      throw new Error('the sandbox is not an HTTP provider');
  }
}
