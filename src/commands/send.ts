import type { GlobalOptions } from '../cli.js';
import { ExitCode, failedError, invalidInput, usageError } from '../core/errors.js';
import { formatMinor, formatMoney } from '../core/money.js';
import { resolveRecipient } from '../core/recipient.js';
import { isFinal } from '../core/transfer-state.js';
import { sameTransfer, type Transfer } from '../journal/transfer.js';
import { AppContext } from '../transfers/context.js';
import { checkKey, newTransferKey } from '../transfers/keys.js';
import { waitForFinal } from '../transfers/refresh.js';
import { sendTransfer } from '../transfers/send.js';
import { startTemporaryListener } from '../transfers/temporary-listener.js';
import { confirmOrExit } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';
import { startSpinner } from '../ui/spinner.js';
import { colourStatus, printTransfer, transferJson } from '../ui/transfer-view.js';
import { parseSeconds } from './options.js';

interface SendOptions extends GlobalOptions {
  currency?: string;
  country?: string;
  forceCurrency?: boolean;
  key?: string;
  note?: string;
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
  yes?: boolean;
}

/** Exit code of a single transfer: failed → 1, still unknown → 5 (not done), otherwise 0. */
export function exitCodeFor(transfer: Transfer): number {
  if (transfer.status === 'failed' || transfer.status === 'reversed') return ExitCode.failed;
  if (transfer.status === 'unknown') return ExitCode.partial;
  return ExitCode.ok;
}

export default async function send(io: IO, phone: string, amount: string, options: SendOptions): Promise<number> {
  const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
  if (options.key !== undefined) {
    const problem = checkKey(options.key);
    if (problem) throw usageError(problem);
  }
  const context = AppContext.open(options);
  try {
    const { settings } = context;
    const recipient = resolveRecipient(
      { phone, amount, currency: options.currency, country: options.country },
      { country: settings.country, currency: settings.currency, forceCurrency: options.forceCurrency, limits: settings.limits },
    );
    const reference = options.key ?? newTransferKey();
    const summary = `${formatMoney(recipient.money)} to ${recipient.phone.e164} via ${settings.provider} (profile ${settings.profileName})`;

    const existing = context.journal.get(reference);
    if (existing && !sameTransfer(existing, { phone: recipient.phone.e164, amountMinor: recipient.money.minor, currency: recipient.money.currency })) {
      throw invalidInput(
        `key "${reference}" was already used for a different transfer (${existing.phone}, ${transferJson(existing).amount} ${existing.currency}): use a new key`,
      );
    }
    if (existing && existing.status !== 'queued') {
      io.err(`already sent under key ${reference}: nothing sent this time`);
      return await finish(io, context, existing, options, timeoutMs);
    }
    if (existing) io.err(`key ${reference} was never sent (${existing.error ?? 'not sent'}): sending it now`);

    if (options.dryRun) {
      if (io.json)
        io.printJson({
          dryRun: true,
          reference,
          phone: recipient.phone.e164,
          amount: formatMinor(recipient.money.minor, recipient.money.currency),
          currency: recipient.money.currency,
          provider: settings.provider,
          profile: settings.profileName,
        });
      else io.out(`dry run: would send ${summary}, key ${reference}; nothing sent`);
      return ExitCode.ok;
    }

    await confirmOrExit(io, `Send ${summary}?`, { yes: options.yes });
    if (!options.key) io.err(`reference ${reference} (to retry safely, pass --key ${reference})`);
    const { transfer } = await sendTransfer(context, { recipient, reference, note: options.note });
    if (transfer.status === 'queued') {
      throw failedError(`${transfer.error ?? 'not sent'}; retry safely with the same key: --key ${reference}`);
    }
    return await finish(io, context, transfer, options, timeoutMs);
  } finally {
    await context.close();
  }
}

async function finish(io: IO, context: AppContext, sent: Transfer, options: SendOptions, timeoutMs: number): Promise<number> {
  let transfer = sent;
  if (options.wait) {
    const listener = await startTemporaryListener(context, io);
    const spinner = await startSpinner(io, `waiting for ${transfer.reference}: ${transfer.status}`);
    try {
      transfer = await waitForFinal(context, transfer.reference, timeoutMs, (current) => spinner.update(`waiting for ${current.reference}: ${current.status}`));
    } finally {
      spinner.stop();
      await listener.stop();
    }
  }
  printTransfer(io, transfer);
  if (options.wait && !isFinal(transfer.status)) {
    io.err(`still ${colourStatus(io.errColor, transfer.status)} after ${timeoutMs / 1000}s: check later with 'airtime status ${transfer.reference}'`);
    return ExitCode.partial;
  }
  if (transfer.status === 'unknown') io.err(`the outcome is unknown: resolve it with 'airtime status ${transfer.reference}' — never resend under a new key`);
  return exitCodeFor(transfer);
}
