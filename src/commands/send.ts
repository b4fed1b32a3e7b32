import type { GlobalOptions } from '../cli.js';
import { describeAccount } from '../core/account.js';
import { ExitCode, failedError, invalidInput, usageError } from '../core/errors.js';
import { formatMinor, formatMoney } from '../core/money.js';
import { resolveRecipient } from '../core/recipient.js';
import { isFinal, sentStates } from '../core/transfer-state.js';
import { sameTransfer, type Transfer } from '../journal/transfer.js';
import type { ProviderName } from '../providers/names.js';
import { journalSendForApproval, markAwaitingApproval } from '../transfers/approvals.js';
import { AppContext } from '../transfers/context.js';
import { passGate, type GateView, type Plan } from '../transfers/gate.js';
import { checkKey, newTransferKey } from '../transfers/keys.js';
import { waitForFinal } from '../transfers/refresh.js';
import { defaultRepeatWindowMs, parseWindow, type RepeatMatch } from '../transfers/repeats.js';
import { sendTransfer, waitWhileSending } from '../transfers/send.js';
import { startTemporaryListener } from '../transfers/temporary-listener.js';
import { reportAwaitingApproval } from '../ui/approval-view.js';
import { confirmPlan } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';
import { planLines } from '../ui/plan-view.js';
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
  maxTotal?: string;
  repeatWindow?: string;
  allowRepeats?: boolean;
}

/** Exit code of a single transfer: failed → 1, still unknown → 5 (not done), otherwise 0. */
export function exitCodeFor(transfer: Transfer): number {
  if (transfer.status === 'failed' || transfer.status === 'reversed') return ExitCode.failed;
  if (transfer.status === 'unknown' || transfer.status === 'sending') return ExitCode.partial;
  return ExitCode.ok;
}

export default async function send(io: IO, phone: string, amount: string, options: SendOptions): Promise<number> {
  const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
  const windowMs = parseWindow(options.repeatWindow ?? '30d') ?? defaultRepeatWindowMs;
  if (options.key !== undefined) {
    const problem = checkKey(options.key);
    if (problem) throw usageError(problem);
  }
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { settings, journal } = context;
    const account = context.account;
    const recipient = resolveRecipient(
      { phone, amount, currency: options.currency, country: options.country },
      { country: settings.country, currency: settings.currency, forceCurrency: options.forceCurrency, limits: settings.limits },
    );
    const reference = options.key ?? newTransferKey();
    const wanted = { phone: recipient.phone.e164, amountMinor: recipient.money.minor, currency: recipient.money.currency };
    const summary = `${formatMoney(recipient.money)} to ${recipient.phone.e164} via ${describeAccount(account)}`;

    const existing = await journal.byKey(account.id, reference);
    if (existing && !sameTransfer(existing, wanted)) {
      throw invalidInput(
        `key "${reference}" was already used for a different transfer (${existing.phone}, ${transferJson(existing).amount} ${existing.currency}): use a new key`,
      );
    }
    if (existing && existing.status !== 'queued') {
      io.err(`already sent under key ${reference}: nothing sent this time`);
      return await finish(io, context, existing, options, timeoutMs);
    }
    if (existing) io.err(`key ${reference} was never sent (${existing.error ?? 'not sent'}): sending it now`);
    else if (options.key) {
      const elsewhere = (await journal.find({ reference })).filter((transfer) => transfer.account !== account.id);
      for (const other of elsewhere) {
        io.err(
          `note: key ${reference} also names a ${other.status} transfer through ${describeAccount(other)}; a key belongs to one account, so this is a separate transfer`,
        );
      }
    }

    const matches = await repeatsOf(context, wanted, reference, windowMs);
    // A key journaled as a one-row batch waiting for approval is planned as that batch: the gate checks its approvals.
    const held = existing?.batchId ? await journal.batch(existing.batchId) : undefined;
    const plan: Plan = {
      subject: `transfer ${reference}`,
      account,
      ...(held ? { batch: { id: held.id, fileName: held.fileName, fileRows: held.fileRows, invalid: 0, alreadySent: 0, isNew: false } } : {}),
      sendNow: { rows: 1, totals: { [wanted.currency]: wanted.amountMinor } },
      askFirst: { rows: 0, totals: {} },
      done: {},
      repeats: { count: matches.length, skipped: 0, matches, windowMs },
    };
    if (options.dryRun && io.json) {
      io.printJson({
        dryRun: true,
        reference,
        phone: wanted.phone,
        amount: formatMinor(wanted.amountMinor, wanted.currency),
        currency: wanted.currency,
        provider: account.provider,
        profile: account.profile,
        repeats: plan.repeats.count,
      });
    }
    const view: GateView = {
      showPlan(shown) {
        if (shown.repeats.count && !io.json)
          for (const line of planLines(shown, undefined).filter((text) => text.startsWith('  repeats') || text.startsWith('    '))) io.err(line.trim());
        if (options.dryRun && !io.json) io.out(`dry run: would send ${summary}, key ${reference}; nothing sent`);
      },
      confirm: (_question, shown) => confirmPlan(io, `Send ${summary}?`, shown, settings.largeRun),
    };
    // Credentials and settings are checked before anything is journaled or asked: a transfer that cannot be sent is not made.
    if (!options.dryRun) await context.activeProvider();
    const gate = await passGate(
      context,
      plan,
      { dryRun: options.dryRun, yes: options.yes, maxTotal: options.maxTotal, allowRepeats: options.allowRepeats },
      view,
    );
    if (gate.kind === 'awaiting-approval') {
      const newTransfer = {
        account: account.id,
        reference,
        provider: account.provider as ProviderName,
        profile: account.profile,
        ...wanted,
        note: options.note,
      };
      const batch = held ?? (await journalSendForApproval(journal, account, newTransfer, existing));
      reportAwaitingApproval(io, await markAwaitingApproval(journal, batch), { reference, batch: batch.id });
      if (!io.json) io.err(`once approved, send it with the same command and --key ${reference} (or 'airtime bulk --resume ${batch.id}')`);
      return ExitCode.partial;
    }
    if (gate.kind !== 'consent') return ExitCode.ok;

    if (!options.key) io.err(`reference ${reference} (to retry safely, pass --key ${reference})`);
    await journal.ensureAccount(account);
    const { transfer } = await journal.createTransfer({
      account: account.id,
      reference,
      provider: account.provider as ProviderName,
      profile: account.profile,
      phone: wanted.phone,
      amountMinor: wanted.amountMinor,
      currency: wanted.currency,
      note: options.note,
    });
    if (transfer.status !== 'queued') {
      io.err(`already sent under key ${reference} (by another run): nothing sent this time`);
      return await finish(io, context, transfer, options, timeoutMs);
    }
    const result = await sendTransfer(context, gate.consent, transfer);
    if (result.sentByAnother) io.err(`another run was sending key ${reference} at the same moment: its outcome is shown; nothing was sent by this one`);
    if (result.transfer.status === 'queued') {
      throw failedError(`${result.transfer.error ?? 'not sent'}; retry safely with the same key: --key ${reference}`);
    }
    return await finish(io, context, result.transfer, options, timeoutMs);
  } finally {
    await context.close();
  }
}

/** Earlier payments of the same amount to the same phone within the window (sandbox and real money kept apart). */
async function repeatsOf(
  context: AppContext,
  wanted: { phone: string; amountMinor: number; currency: string },
  reference: string,
  windowMs: number,
): Promise<RepeatMatch[]> {
  if (windowMs <= 0) return [];
  const since = Date.now() - windowMs;
  const sandbox = context.account.provider === 'sandbox';
  const earlier = (await context.journal.find({ ...wanted, states: sentStates })).filter(
    (transfer) =>
      transfer.reference !== reference &&
      (transfer.provider === 'sandbox') === sandbox &&
      transfer.lastAttemptAt !== null &&
      Date.parse(transfer.lastAttemptAt) >= since,
  );
  return earlier.slice(-20).map((transfer) => ({ ...wanted, line: null, earlier: transfer }));
}

async function finish(io: IO, context: AppContext, sent: Transfer, options: SendOptions, timeoutMs: number): Promise<number> {
  // Another run's request for this key is in flight: its answer is the outcome to show.
  let transfer = sent.status === 'sending' ? await waitWhileSending(context, sent.id) : sent;
  if (options.wait) {
    const listener = await startTemporaryListener(context, io, { transfer });
    const spinner = await startSpinner(io, `waiting for ${transfer.reference}: ${transfer.status}`);
    try {
      transfer = await waitForFinal(context, transfer.id, timeoutMs, (current) => spinner.update(`waiting for ${current.reference}: ${current.status}`));
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
