import { describeAccount, sameProviderAccount } from '../core/account.js';
import { ExitCode, failedError, invalidInput } from '../core/errors.js';
import { formatMinor, formatMoney, type Money } from '../core/money.js';
import { type ProductKind } from '../core/product.js';
import { isFinal } from '../core/transfer-state.js';
import type { TransferDetails } from '../journal/details.js';
import { sameTransfer, type Transfer } from '../journal/transfer.js';
import type { ProviderName } from '../providers/names.js';
import { journalSendForApproval, markAwaitingApproval, rejectionOf } from '../transfers/approvals.js';
import { AppContext } from '../transfers/context.js';
import { passGate, type GateView, type Plan } from '../transfers/gate.js';
import { catalogueProvider, checkAgainstCatalogue } from '../transfers/offers.js';
import { waitForFinal } from '../transfers/refresh.js';
import { transferMayHavePaid, type RepeatMatch } from '../transfers/repeats.js';
import { earlierPaymentStates } from '../core/possibly-paid.js';
import { sendItem, sendTransfer, waitWhileSending } from '../transfers/send.js';
import { startTemporaryListener } from '../transfers/temporary-listener.js';
import { callbackPrinter } from '../ui/callback-line.js';
import { reportAwaitingApproval } from '../ui/approval-view.js';
import { confirmPlan } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';
import { planLines } from '../ui/plan-view.js';
import { stoppedWaiting, whileInFlight } from '../ui/in-flight.js';
import { onInterrupt } from '../ui/interrupt.js';
import { startSpinner } from '../ui/spinner.js';
import { colourStatus, printTransfer, transferJson } from '../ui/transfer-view.js';

/** Exit code of a single transfer: failed → 1, still unknown → 5 (not done), otherwise 0. */
export function exitCodeFor(transfer: Transfer): number {
  if (transfer.status === 'failed' || transfer.status === 'reversed') return ExitCode.failed;
  if (transfer.status === 'unknown' || transfer.status === 'sending') return ExitCode.partial;
  return ExitCode.ok;
}

/** A transfer about to be made: who or what it pays, how much, and what it asks beyond the money. */
export interface OneTransfer {
  readonly reference: string;
  /** E.164 phone, or an 11-digit meter number for ZESA. */
  readonly target: string;
  readonly money: Money;
  readonly details: TransferDetails | null;
  readonly note?: string | undefined;
}

/** Options of a single payment as `send` and `campaign payout` take them. */
export interface PayOneOptions {
  readonly key?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly yes?: boolean | undefined;
  readonly maxTotal?: string | undefined;
  readonly allowRepeats?: boolean | undefined;
  readonly wait?: boolean | undefined;
}

/** "ZESA tokens for meter 37132109846", "a data bundle for +263…", "+254…" (airtime). */
export function describeTarget(target: string, kind: ProductKind | undefined): string {
  if (kind === 'zesa') return `ZESA tokens for meter ${target}`;
  if (kind === 'data') return `a data bundle for ${target}`;
  return target;
}

/**
 * One payment, the way `send` makes it: the key checked against the journal, the catalogue asked (where
 * the provider has one), the repeat guard, the gate (dry run, caps, balance, confirmation), then the
 * transfer journaled and claimed before the request leaves. `campaign payout` comes through here too.
 */
export async function payOne(
  io: IO,
  context: AppContext,
  one: OneTransfer,
  options: PayOneOptions,
  run: { readonly timeoutMs: number; readonly windowMs: number; readonly what?: string | undefined; readonly keyFlag?: string | undefined },
): Promise<number> {
  const keyFlag = run.keyFlag ?? '--key';
  const { journal } = context;
  const account = context.account;
  const { reference } = one;
  const kind = one.details?.product?.kind;
  const wanted = { phone: one.target, amountMinor: one.money.minor, currency: one.money.currency };
  const summary = `${formatMoney(one.money)}${run.what ? ` ${run.what}` : ''} to ${describeTarget(one.target, kind)} via ${describeAccount(account)}`;

  const refuseOtherTransfer = (other: Transfer) => {
    if (sameTransfer(other, { ...wanted, details: one.details })) return;
    throw invalidInput(
      `key "${reference}" was already used for a different transfer (${other.phone}, ${transferJson(other).amount} ${other.currency}${other.details?.product ? `, ${other.details.product.kind}` : ''}): use a new key`,
    );
  };
  const existing = await journal.byKey(account.id, reference);
  if (existing) refuseOtherTransfer(existing);
  if (existing?.status === 'cancelled') {
    // Withdrawn before it was sent (a rejected approval, a cancelled batch): it is never sent, and saying
    // "already sent" with exit 0 would read as paid.
    const rejected = existing.batchId ? await rejectionOf(journal, existing.batchId) : undefined;
    throw failedError(
      rejected
        ? `key ${reference} was rejected by ${rejected.by}${rejected.note ? ` ("${rejected.note}")` : ''}: it is never sent; nothing was sent`
        : `key ${reference} was cancelled before it was sent: it is never sent; nothing was sent`,
      'to pay this person after all, send again with a new key',
    );
  }
  if (existing && existing.status !== 'queued') {
    io.err(`already sent under key ${reference}: nothing sent this time`);
    return finish(io, context, existing, options, run.timeoutMs);
  }
  if (existing?.details?.unprovenRequeue) {
    io.err(
      `key ${reference} was put back by an operator, unconfirmed by ${existing.provider} (${existing.error ?? 'not sent'}): ${options.dryRun ? 'a real run would send it again now' : 'sending it again now, as the operator decided'}`,
    );
  } else if (existing)
    io.err(`key ${reference} was never sent (${existing.error ?? 'not sent'}): ${options.dryRun ? 'a real run would send it now' : 'sending it now'}`);
  else if (options.key) {
    const elsewhere = (await journal.find({ reference })).filter((transfer) => transfer.account !== account.id);
    const twin = elsewhere.find((other) => sameProviderAccount(other.account, account));
    if (twin) {
      throw invalidInput(
        `key "${reference}" was already used through ${describeAccount(twin)}, the same ${account.provider} account as ${describeAccount(account)} (same endpoint and credentials): ` +
          `${account.provider} would take it as the same transfer and pay nobody: use a new key`,
      );
    }
    for (const other of elsewhere) {
      io.err(
        `note: key ${reference} also names a ${other.status} transfer through ${describeAccount(other)}; a key belongs to one account, so this is a separate transfer`,
      );
    }
  }

  // The catalogue's word before the gate: a product it does not sell, or an amount outside its range, sends nothing.
  const warn = (line: string) => io.err(line);
  const product = await checkAgainstCatalogue(
    await catalogueProvider(context, options.dryRun, warn),
    sendItem({ ...blankTransfer, reference, ...wanted, details: one.details }),
    options.dryRun,
    warn,
  );
  const productLabel = product && (kind !== undefined || product.kind !== 'airtime') ? ` (${product.name}, product ${product.id})` : '';

  const matches = await repeatsOf(context, wanted, reference, run.windowMs);
  // A key journaled as a one-row batch waiting for approval is planned as that batch: the gate checks its approvals.
  const held = existing?.batchId ? await journal.batch(existing.batchId) : undefined;
  const plan: Plan = {
    subject: `transfer ${reference}`,
    account,
    ...(held ? { batch: { id: held.id, fileName: held.fileName, fileRows: held.fileRows, invalid: 0, alreadySent: 0, isNew: false } } : {}),
    sendNow: { rows: 1, totals: { [wanted.currency]: wanted.amountMinor } },
    askFirst: { rows: 0, totals: {} },
    done: {},
    repeats: { count: matches.length, skipped: 0, matches, windowMs: run.windowMs },
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
      ...(kind ? { product: { kind, id: product?.id ?? one.details.product.id ?? null, name: product?.name ?? null } } : {}),
      ...(one.details?.sms !== undefined ? { sms: one.details.sms } : {}),
      ...(one.details?.retryHours !== undefined ? { retryHours: one.details.retryHours } : {}),
      ...(one.details?.campaign !== undefined ? { campaign: one.details.campaign } : {}),
    });
  }
  const view: GateView = {
    showPlan(shown) {
      if (shown.repeats.count && !io.json)
        for (const line of planLines(shown, undefined).filter((text) => text.startsWith('  repeats') || text.startsWith('    '))) io.err(line.trim());
      if (options.dryRun && !io.json) io.out(`dry run: would send ${summary}${productLabel}, key ${reference}; nothing sent`);
    },
    confirm: (_question, shown) => confirmPlan(io, `Send ${summary}${productLabel}?`, shown, context.settings.largeRun),
    warn: (text) => io.err(`note: ${text}`),
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
      note: one.note,
      details: one.details,
    };
    const batch = held ?? (await journalSendForApproval(journal, account, newTransfer, existing));
    reportAwaitingApproval(io, await markAwaitingApproval(journal, batch), { reference, batch: batch.id });
    if (!io.json) io.err(`once approved, send it with the same command and ${keyFlag} ${reference} (or 'airtime bulk --resume ${batch.id}')`);
    return ExitCode.partial;
  }
  if (gate.kind === 'dry-run') return gate.exitCode; // the real run's exit code (issue 23)
  if (gate.kind !== 'consent') return ExitCode.ok;

  if (!options.key) io.err(`reference ${reference} (to retry safely, pass ${keyFlag} ${reference})`);
  await journal.ensureAccount(account);
  const { transfer } = await journal.createTransfer({
    account: account.id,
    reference,
    provider: account.provider as ProviderName,
    profile: account.profile,
    phone: wanted.phone,
    amountMinor: wanted.amountMinor,
    currency: wanted.currency,
    note: one.note,
    details: one.details,
  });
  // Another run may have journaled this key for someone else since it was looked up: its transfer is not ours.
  refuseOtherTransfer(transfer);
  if (transfer.status !== 'queued') {
    io.err(`already sent under key ${reference} (by another run): nothing sent this time`);
    return finish(io, context, transfer, options, run.timeoutMs);
  }
  const result = await whileInFlight(io, reference, () => sendTransfer(context, gate.consent, transfer));
  if (result.sentByAnother) io.err(`another run was sending key ${reference} at the same moment: its outcome is shown; nothing was sent by this one`);
  if (result.transfer.status === 'queued') {
    throw failedError(`${result.transfer.error ?? 'not sent'}; retry safely with the same key: ${keyFlag} ${reference}`);
  }
  return finish(io, context, result.transfer, options, run.timeoutMs);
}

/** A transfer's fields that a send item does not read, for asking the catalogue about one not journaled yet. */
const blankTransfer: Omit<Transfer, 'reference' | 'phone' | 'amountMinor' | 'currency' | 'details'> = {
  id: 0,
  account: '',
  provider: 'sandbox',
  profile: '',
  status: 'queued',
  providerReference: null,
  requestReference: null,
  error: null,
  note: null,
  batchId: null,
  line: null,
  attempts: 0,
  firstAttemptAt: null,
  lastAttemptAt: null,
  createdAt: '',
  updatedAt: '',
};

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
  const nowMs = Date.now();
  // Read within the window (the phone and attempt-time index), not the recipient's whole history.
  const attemptedAfter = new Date(since - 1).toISOString();
  const earlier = (await context.journal.find({ ...wanted, states: earlierPaymentStates, attemptedAfter })).filter(
    (transfer) =>
      transfer.reference !== reference &&
      transferMayHavePaid(transfer, nowMs) &&
      (transfer.provider === 'sandbox') === sandbox &&
      transfer.lastAttemptAt !== null &&
      Date.parse(transfer.lastAttemptAt) >= since,
  );
  return earlier.slice(-20).map((transfer) => ({ ...wanted, line: null, earlier: transfer }));
}

async function finish(io: IO, context: AppContext, sent: Transfer, options: PayOneOptions, timeoutMs: number): Promise<number> {
  // Another run's request for this key is in flight: its answer is the outcome to show.
  let transfer = sent.status === 'sending' ? await waitWhileSending(context, sent.id) : sent;
  if (options.wait) {
    const listener = await startTemporaryListener(context, { transfer }, callbackPrinter(io));
    const spinner = await startSpinner(io, `waiting for ${transfer.reference}: ${transfer.status}`);
    // Ctrl-C stops the waiting, not the transfer: it was sent (issue 23), so say so and how to follow it.
    const stop = new AbortController();
    const stopWatching = onInterrupt(() => stop.abort());
    try {
      transfer = await waitForFinal(
        context,
        transfer.id,
        timeoutMs,
        (current) => spinner.update(`waiting for ${current.reference}: ${current.status}`),
        stop.signal,
      );
    } finally {
      stopWatching();
      spinner.stop();
      await listener.stop();
    }
    if (stop.signal.aborted && !isFinal(transfer.status)) {
      printTransfer(io, transfer);
      io.err(stoppedWaiting(transfer));
      return ExitCode.partial;
    }
  }
  printTransfer(io, transfer);
  const displaced = context.journal.displaced();
  if (displaced) {
    io.err(`error: ${displaced}`);
    return ExitCode.failed;
  }
  if (options.wait && !isFinal(transfer.status)) {
    io.err(`still ${colourStatus(io.errColor, transfer.status)} after ${timeoutMs / 1000}s: check later with 'airtime status ${transfer.reference}'`);
    return ExitCode.partial;
  }
  if (transfer.status === 'unknown') io.err(`the outcome is unknown: resolve it with 'airtime status ${transfer.reference}' — never resend under a new key`);
  if (transfer.details?.product?.kind === 'zesa' && !transfer.details.tokens?.length && transfer.status !== 'failed' && transfer.status !== 'cancelled') {
    io.err(
      `the ZESA token${transfer.status === 'delivered' ? ' was not in the answer' : 's come once it is delivered'}: 'airtime status ${transfer.reference}' shows them`,
    );
  }
  return exitCodeFor(transfer);
}
