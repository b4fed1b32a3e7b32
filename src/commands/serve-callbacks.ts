import { setTimeout as delay } from 'node:timers/promises';
import type { GlobalOptions } from '../cli.js';
import { startListener } from '../callbacks/listener.js';
import { ExitCode, invalidInput, usageError } from '../core/errors.js';
import { parseAmount, requireCurrency } from '../core/money.js';
import { startSandboxCallbacks } from '../sim/sandbox-callbacks.js';
import { AppContext } from '../transfers/context.js';
import { printCallback } from '../ui/callback-line.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { IO } from '../ui/io.js';
import { parseSeconds } from './options.js';

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
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  const { journal, settings } = context;
  if (options.untilComplete && !(await journal.batch(options.untilComplete))) throw invalidInput(`no batch "${options.untilComplete}" in the journal`);
  const maxAmountMinor = options.maxAmount ? parseMaxAmount(options.maxAmount) : undefined;
  const pathToken = options.pathToken ?? process.env.AIRTIME_CALLBACK_TOKEN;
  const webhookSecret = settings.credentials.webhookSecret ?? process.env.ZW_WEBHOOK_SECRET;

  const listener = await startListener({
    journal,
    host: options.host,
    port,
    webhookSecret,
    pathToken,
    bodyLimitBytes: bodyLimit,
    validation: { maxAmountMinor, allowedPrefixes: options.allowPrefix },
    forwardTo: options.forwardTo,
    onCallback: (line) => printCallback(io, line, format),
  });
  const pump = options.sandbox === false ? undefined : startSandboxCallbacks(settings.paths.sandboxFile, listener.url);

  if (options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1') {
    io.err(`warning: listening on ${options.host}: anyone who can reach this machine can post callbacks${pathToken ? '' : ' — set --path-token'}`);
  }
  const suffix = pathToken ? `/${pathToken}` : '';
  io.err(`ready: ${listener.url}`);
  io.err(`  africastalking  ${listener.url}/callbacks/africastalking${suffix}  (validation: ${listener.url}/callbacks/africastalking/validation${suffix})`);
  io.err(`  lipad           ${listener.url}/callbacks/lipad${suffix}`);
  io.err(
    `  zw              ${listener.url}/callbacks/zw  (${webhookSecret ? 'signature checked with the webhook secret' : 'no webhook secret: every zw callback will be refused — set ZW_WEBHOOK_SECRET'})`,
  );
  io.err(`  sandbox         ${listener.url}/callbacks/sandbox${suffix}${pump ? '  (the embedded sandbox delivers here)' : ''}`);
  if (!pathToken) io.err("path token off: Africa's Talking and Lipad sign nothing — use --path-token when this is reachable from outside");
  if (options.forwardTo) io.err(`forwarding every callback to ${options.forwardTo}`);

  const controller = new AbortController();
  const stopListening = onInterrupt(() => controller.abort());
  let exit: number = ExitCode.ok;
  try {
    if (options.untilComplete) {
      exit = await untilComplete(context, options.untilComplete, controller.signal, timeoutMs, io);
    } else {
      await new Promise<void>((resolve) => {
        controller.signal.addEventListener('abort', () => resolve(), { once: true });
        if (timeoutMs) setTimeout(resolve, timeoutMs).unref();
      });
      // Stopped by Ctrl-C (not by --timeout): 130, as every interrupted command.
      if (controller.signal.aborted) exit = ExitCode.cancelled;
    }
  } finally {
    stopListening();
    await pump?.stop();
    await listener.idle();
    await listener.close();
    await context.close();
  }
  return exit;
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
