import type { Settings } from '../config/settings.js';
import { usageError } from '../core/errors.js';
import type { Provider } from './provider.js';

export async function createHttpProvider(settings: Settings): Promise<Provider> {
  throw usageError(`provider "${settings.provider}" is not available in this build yet: use the sandbox`);
}
