import { setTimeout as delay } from 'node:timers/promises';
import { startListener, type RunningListener } from '../callbacks/listener.js';
import { routePath } from '../callbacks/routes.js';
import { sandboxCallbackKey } from '../callbacks/sandbox-key.js';
import { servedAccounts, type ServedAccount } from '../callbacks/served-accounts.js';
import { CallbackSpool } from '../callbacks/spool.js';
import { hmacSignature, sandboxSignatureHeader } from '../callbacks/verify.js';
import { ExitCode, invalidInput, usageError } from '../core/errors.js';
import { parseAmount, requireCurrency } from '../core/money.js';
import type { ProviderName } from '../providers/names.js';
import { startSandboxCallbacks } from '../sim/sandbox-callbacks.js';
import { AppContext } from '../transfers/context.js';
import { printCallback } from '../ui/callback-line.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { IO } from '../ui/io.js';
import { parseSeconds } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface ServeOptions extends GlobalOptions {
  host: string;
  port: string;
  format: 'text' | 'json';
  forwardTo?: string;
  untilComplete?: string;
  timeout?: string;
  pathToken?: string;
  maxAmount?: string;
  allowPrefix?: string[];
  bodyLimit: string;
  sandbox?: boolean;
}

export default async function serveCallbacks(io: IO, options: ServeOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port "${options.port}" is not a port number`);
  const bodyLimit = Number(options.bodyLimit);
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) throw usageError(`--body-limit "${options.bodyLimit}" must be at least 1024 bytes`);
  const timeoutMs = options.timeout ? parseSeconds(options.timeout, '--timeout') * 1000 : undefined;
  const format = options.json ? 'json' : options.format;
  // Ctrl-C is ours from the start: one that arrives while the listener is starting still ends it with 130.
  const controller = new AbortController();
  const stopListening = onInterrupt(() => controller.abort());
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { journal, settings } = context;
    if (options.untilComplete && !(await journal.batch(options.untilComplete))) throw invalidInput(`no batch "${options.untilComplete}" in the journal`);
    const maxAmountMinor = options.maxAmount ? parseMaxAmount(options.maxAmount) : undefined;
    const pathToken = options.pathToken ?? process.env.AIRTIME_CALLBACK_TOKEN;
    // The accounts of the profile named with --profile (or AIRTIME_PROFILE), else of every profile.
    const accounts = servedAccounts(settings.paths, process.env, options.profile);
    const sandboxKey = options.sandbox === false ? undefined : sandboxCallbackKey(settings.paths.dataDir);

    const listener = await startListener({
      journal,
      host: options.host,
      port,
      accounts,
      sandboxKey,
      pathToken,
      bodyLimitBytes: bodyLimit,
      validation: { maxAmountMinor, allowedPrefixes: options.allowPrefix },
      forwardTo: options.forwardTo,
      spool: CallbackSpool.in(settings.paths.dataDir),
      onCallback: (line) => printCallback(io, line, format),
    });
    const pump = sandboxKey
      ? startSandboxCallbacks({
          sandboxFile: settings.paths.sandboxFile,
          listenerUrl: listener.url,
          pathToken,
          sign: (body) => ({ [sandboxSignatureHeader]: hmacSignature(body, sandboxKey) }),
        })
      : undefined;
    try {
      printReady(io, listener, { accounts, pathToken, sandbox: sandboxKey !== undefined, host: options.host, forwardTo: options.forwardTo });
      // Callbacks a full journal could not take wait in the spool: into the journal first.
      const spool = await listener.replaySpool();
      if (spool.replayed) io.err(`replayed ${spool.replayed} spooled callbacks into the journal`);
      if (spool.left) io.err(`${spool.left} spooled callbacks are still waiting (see above): they are replayed at the next start`);
      return await serve(io, context, options.untilComplete, timeoutMs, controller.signal);
    } finally {
      await pump?.stop();
      await listener.close();
    }
  } finally {
    stopListening();
    await context.close();
  }
}

/** Runs until Ctrl-C (exit 130), the timeout, or the batch of --until-complete is final. */
async function serve(io: IO, context: AppContext, batchId: string | undefined, timeoutMs: number | undefined, signal: AbortSignal): Promise<number> {
  if (batchId) return untilComplete(context, batchId, signal, timeoutMs, io);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    if (timeoutMs) setTimeout(resolve, timeoutMs).unref();
  });
  return signal.aborted ? ExitCode.cancelled : ExitCode.ok;
}

function printReady(
  io: IO,
  listener: RunningListener,
  setup: { accounts: readonly ServedAccount[]; pathToken: string | undefined; sandbox: boolean; host: string; forwardTo: string | undefined },
): void {
  const { accounts, pathToken } = setup;
  if (setup.host !== '127.0.0.1' && setup.host !== 'localhost' && setup.host !== '::1') {
    io.err(`warning: listening on ${setup.host}: anyone who can reach this machine can post callbacks${pathToken ? '' : ' — set --path-token'}`);
  }
  const of = (provider: ProviderName) =>
    accounts
      .filter((account) => account.provider === provider)
      .map((account) => account.id)
      .join(', ');
  const url = (provider: ProviderName, kind: 'status' | 'validation' = 'status') => `${listener.url}${routePath({ provider, kind }, pathToken)}`;
  const zwSigned = accounts.filter((account) => account.provider === 'zw' && account.webhookSecret);
  io.err(`ready: ${listener.url}`);
  io.err(`  africastalking  ${url('africastalking')}  (validation: ${url('africastalking', 'validation')})  for ${of('africastalking')}`);
  io.err(`  lipad           ${url('lipad')}  for ${of('lipad')}`);
  io.err(
    zwSigned.length
      ? `  zw              ${url('zw')}  (signature checked with the webhook secret of ${zwSigned.map((account) => account.id).join(', ')})`
      : `  zw              ${url('zw')}  (no webhook secret: every zw callback will be refused — set ZW_WEBHOOK_SECRET)`,
  );
  if (setup.sandbox) io.err(`  sandbox         ${url('sandbox')}  (signed by the embedded sandbox of this data folder, which delivers here)`);
  if (!pathToken) io.err("path token off: Africa's Talking and Lipad sign nothing — use --path-token when this is reachable from outside");
  if (setup.forwardTo) io.err(`forwarding every callback to ${setup.forwardTo}`);
}

function parseMaxAmount(text: string): number {
  const [amount = '', currency = 'KES'] = text.trim().split(/\s+/);
  return parseAmount(amount, requireCurrency(currency), { minMinor: null, maxMinor: null }).minor;
}

async function untilComplete(context: AppContext, batchId: string, signal: AbortSignal, timeoutMs: number | undefined, io: IO): Promise<number> {
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  for (;;) {
    const tally = await context.journal.tally(batchId);
    const open = (tally.counts.queued ?? 0) + (tally.counts.sending ?? 0) + (tally.counts.submitted ?? 0) + (tally.counts.unknown ?? 0);
    if (open === 0) {
      io.err(`batch ${batchId} is complete: ${JSON.stringify(tally.counts)}`);
      return (tally.counts.delivered ?? 0) === tally.rows ? ExitCode.ok : ExitCode.partial;
    }
    if (signal.aborted) return ExitCode.cancelled;
    if (Date.now() >= deadline) {
      io.err(`timed out with ${open} transfers of ${batchId} not final`);
      return ExitCode.partial;
    }
    await delay(200);
  }
}
