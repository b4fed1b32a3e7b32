import type { GlobalOptions } from '../global-options.js';
import { ExitCode, usageError } from '../core/errors.js';
import { faultsFromEnv, isLipadDuplicates, lipadDuplicateModes, type FaultOptions } from '../sim/faults.js';
import { defaultSimCredentials, simCredentials, startSimServer } from '../sim/server.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { IO } from '../ui/io.js';

interface ServeOptions extends GlobalOptions {
  port: string;
  callbackUrl?: string;
  latency?: string;
  timeoutRate?: string;
  errorRate?: string;
  rateLimitRate?: string;
  resetRate?: string;
  malformedRate?: string;
  duplicateCallbacks?: string;
  reorderCallbacks?: boolean;
  settleMs?: string;
  seed?: string;
  variants?: boolean;
  visibleAfter?: string;
  lipadDuplicates?: string;
  atKeyWindow?: string;
  atValidation?: boolean;
}

function rate(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw usageError(`${flag} "${text}" must be a fraction from 0 to 1`);
  return value;
}

function count(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw usageError(`${flag} "${text}" must be a whole number`);
  return value;
}

export default async function sandboxServe(io: IO, options: ServeOptions): Promise<number> {
  const port = count(options.port, '--port') ?? 0;
  if (options.lipadDuplicates !== undefined && !isLipadDuplicates(options.lipadDuplicates))
    throw usageError(`--lipad-duplicates "${options.lipadDuplicates}" must be one of ${lipadDuplicateModes.join(', ')}`);
  if (port > 65535) throw usageError(`--port ${port} is not a port number`);
  const fromFlags: Partial<FaultOptions> = Object.fromEntries(
    Object.entries({
      latencyMs: count(options.latency, '--latency'),
      timeoutRate: rate(options.timeoutRate, '--timeout-rate'),
      errorRate: rate(options.errorRate, '--error-rate'),
      rateLimitRate: rate(options.rateLimitRate, '--rate-limit-rate'),
      resetRate: rate(options.resetRate, '--reset-rate'),
      malformedRate: rate(options.malformedRate, '--malformed-rate'),
      duplicateCallbackRate: rate(options.duplicateCallbacks, '--duplicate-callbacks'),
      reorderCallbacks: options.reorderCallbacks,
      variants: options.variants,
      visibleAfterMs: count(options.visibleAfter, '--visible-after'),
      lipadDuplicates: options.lipadDuplicates,
      atKeyWindowMs: count(options.atKeyWindow, '--at-key-window'),
      atValidation: options.atValidation,
      seed: count(options.seed, '--seed'),
    }).filter(([, value]) => value !== undefined),
  );
  const faults = { ...faultsFromEnv(), ...fromFlags };
  const credentials = simCredentials();
  const settleMs = count(options.settleMs, '--settle-ms');
  // Ctrl-C is ours from the start: one that arrives while the simulators start still stops them cleanly.
  let interrupted = () => {};
  const stopped = new Promise<void>((resolve) => (interrupted = resolve));
  const stopListening = onInterrupt(() => interrupted());
  const server = await startSimServer({
    port,
    credentials,
    faults,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
    ...(settleMs !== undefined ? { settleMs } : {}),
  });
  // Only the built-in simulator credentials are shown; ones taken from the environment may be real secrets.
  const shown = (value: string, fallback: string, variable: string) => (value === fallback ? value : `"$${variable}"`);
  const defaults = defaultSimCredentials;
  const printable = {
    at: { username: credentials.at.username, apiKey: shown(credentials.at.apiKey, defaults.at.apiKey, 'AT_API_KEY') },
    lipad: {
      consumerKey: credentials.lipad.consumerKey,
      consumerSecret: shown(credentials.lipad.consumerSecret, defaults.lipad.consumerSecret, 'LIPAD_CONSUMER_SECRET'),
    },
    zw: {
      apiKey: shown(credentials.zw.apiKey, defaults.zw.apiKey, 'ZW_API_KEY'),
      webhookSecret: shown(credentials.zw.webhookSecret, defaults.zw.webhookSecret, 'ZW_WEBHOOK_SECRET'),
      campaignSecret: shown(credentials.zw.campaignSecret ?? '', defaults.zw.campaignSecret ?? '', 'ZW_CAMPAIGN_SECRET'),
    },
  };
  if (io.json) io.printJson({ url: server.url, credentials: printable, faults });
  else io.out(server.url);
  io.err(`simulators ready on ${server.url} (Africa's Talking /version1 + /query, Lipad /v1, zw /api/v1)`);
  io.err(`point a shell at them:\n  export AT_BASE_URL=${server.url} AT_USERNAME=${printable.at.username} AT_API_KEY=${printable.at.apiKey}`);
  io.err(`  export LIPAD_BASE_URL=${server.url} LIPAD_CONSUMER_KEY=${printable.lipad.consumerKey} LIPAD_CONSUMER_SECRET=${printable.lipad.consumerSecret}`);
  io.err(
    `  export ZW_BASE_URL=${server.url} ZW_API_KEY=${printable.zw.apiKey} ZW_WEBHOOK_SECRET=${printable.zw.webhookSecret} ZW_CAMPAIGN_SECRET=${printable.zw.campaignSecret}`,
  );
  io.err(`then: airtime send +254711000100 100 --provider africastalking --yes`);
  io.err(options.callbackUrl ? `callbacks go to ${options.callbackUrl}/callbacks/<provider>` : 'callbacks are off (--callback-url URL turns them on)');
  if (faults.variants) io.err(`answers take the providers' variant shapes too (seed ${faults.seed}; docs/providers.md lists them)`);
  if (faults.atValidation)
    io.err(options.callbackUrl ? "AT asks the listener's validation route before forwarding each transfer" : 'AT validation needs --callback-url: it is off');
  if (faults.visibleAfterMs > 0) io.err(`accepted requests are visible to status queries only after ${faults.visibleAfterMs} ms`);
  io.err(
    `a repeated Lipad reference is ${{ dedupe: 'answered as the first (no charge)', reject: 'refused with 721', accept: 'charged again' }[faults.lipadDuplicates]}; an AT Idempotency-Key is remembered for ${Math.round(faults.atKeyWindowMs / 1000)} s`,
  );
  await stopped;
  stopListening();
  io.err('stopping simulators');
  await server.close();
  // The only way to stop it is an interrupt (Ctrl-C, SIGTERM, its reader gone): 130, as every interrupted command.
  return ExitCode.cancelled;
}
