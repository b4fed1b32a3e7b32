import type { Settings } from '../config/settings.js';
import type { ProviderDiagnostics } from './diagnostics.js';
import type { Provider } from './provider.js';

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Builds the adapter for the resolved settings; adapters are imported lazily to keep start-up fast.
 * `diagnostics` hears what adapters cannot read (unknown words, shapes) and notes such as "the sandbox host
 * is used"; without one they stay silent (providers never print).
 */
export async function createProvider(settings: Settings, env: NodeJS.ProcessEnv = process.env, diagnostics?: ProviderDiagnostics): Promise<Provider> {
  switch (settings.provider) {
    case 'sandbox': {
      const { SandboxProvider } = await import('./sandbox.js');
      const latencyMs = envNumber(env, 'AIRTIME_SANDBOX_LATENCY_MS');
      const settleMs = envNumber(env, 'AIRTIME_SANDBOX_SETTLE_MS');
      const openingBalanceMajor = envNumber(env, 'AIRTIME_SANDBOX_BALANCE');
      return new SandboxProvider({
        file: settings.paths.sandboxFile,
        ...(latencyMs !== undefined ? { latencyMs } : {}),
        ...(settleMs !== undefined ? { settleMs } : {}),
        ...(openingBalanceMajor !== undefined ? { openingBalanceMajor } : {}),
      });
    }
    case 'africastalking':
    case 'lipad':
    case 'zw': {
      const { createHttpProvider } = await import('./http-providers.js');
      return createHttpProvider(settings, diagnostics);
    }
  }
}
