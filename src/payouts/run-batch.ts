import { setTimeout as delay } from 'node:timers/promises';
import { basename, resolve } from 'node:path';
import type { GlobalOptions } from '../global-options.js';
import { dispatchBatch } from '../batch/dispatch.js';
import { planForBatch, planForFile } from '../batch/plan.js';
import { checkFile, journalFile, journalRows, type FileCheck } from '../batch/prepare.js';
import { StagedRows } from '../batch/staged-rows.js';
import { askPreview, type BulkExtras } from '../batch/bulk-extras.js';
import { errorsWriter, writeResults } from '../batch/results.js';
import { batchReport, nextStep, resumeCommandFor } from '../batch/summary.js';
import { waitForBatch } from '../batch/wait.js';
import type { Account } from '../core/account.js';
import { ExitCode, failedError, invalidInput } from '../core/errors.js';
import type { RecipientDefaults } from '../core/recipient.js';
import { failpoint } from '../failpoints.js';
import type { Batch } from '../journal/batch.js';
import type { ProviderName } from '../providers/names.js';
import { markAwaitingApproval } from '../transfers/approvals.js';
import { AppContext } from '../transfers/context.js';
import { passGate, type Consent, type ConsentRequest } from '../transfers/gate.js';
import { BatchLease } from '../transfers/ownership.js';
import { reconcileTransfers } from '../transfers/reconcile.js';
import { RepeatIndex } from '../transfers/repeats.js';
import { startTemporaryListener } from '../transfers/temporary-listener.js';
import { callbackPrinter } from '../ui/callback-line.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { IO } from '../ui/io.js';
import { printSummary, summaryJson } from '../ui/batch-summary.js';
import { formatTime, totalsJson } from '../ui/format.js';
import { reportAwaitingApproval } from '../ui/approval-view.js';
import { gateView, planJson } from '../ui/plan-view.js';
import { previewJson, previewLines } from '../ui/preview-view.js';
import { startRunProgress } from '../ui/progress.js';
import { canSpin, startSpinner } from '../ui/spinner.js';
import { OutputFileError } from '../output-file.js';
import { safeText } from '../ui/safe-text.js';
import { didYouMean } from '../core/suggest.js';
import { fileJson, invalidRowsNext, printFileCheck } from '../ui/file-check-view.js';

/**
 * Running a batch, whatever asked for it (`bulk FILE`, `bulk --resume`, and the entry points to come): a file
 * is validated and journaled whole, or an existing batch completed from its file; then planned from the
 * journal, put through the gate, leased, dispatched, and summed up. Commands parse and render around it.
 */
/** What `bulk` takes: every entry point that runs a batch (a schedule tick, an agent) fills the same. */
export interface BulkOptions extends GlobalOptions {
  dryRun?: boolean;
  errorsOut?: string;
  skipInvalid?: boolean;
  yes?: boolean;
  maxTotal?: string;
  concurrency: string;
  rate?: string;
  resume?: string;
  out?: string;
  wait?: boolean;
  timeout: string;
  currency?: string;
  country?: string;
  forceCurrency?: boolean;
  repeatWindow: string;
  allowRepeats?: boolean;
  skipRepeats?: boolean;
  retryHours?: string;
  remote?: boolean;
  decimalComma?: boolean;
  decimalPoint?: boolean;
}

export interface RunSettings {
  readonly concurrency: number;
  readonly rate: number | undefined;
  readonly timeoutMs: number;
  readonly windowMs: number;
  readonly defaults: RecipientDefaults;
  readonly options: BulkOptions;
  readonly file: string | undefined;
  /** `performance.now()` when the command started: the summary's run time. */
  readonly startedAt: number;
  /** Retry hours, --remote: what the provider is asked beyond the rows (batch/bulk-extras.ts). */
  readonly extras: BulkExtras;
}

/** A file: validated, then either a batch the journal already holds (a re-run) or a new one. */
export async function runBatch(io: IO, context: AppContext, file: string, run: RunSettings): Promise<number> {
  const { journal } = context;
  const account = context.account;
  const repeatIndex = RepeatIndex.scoped(journal, { windowMs: run.windowMs, sandbox: account.provider === 'sandbox' });
  const errorsOut = run.options.errorsOut ? errorsWriter(run.options.errorsOut) : undefined;
  // What our check refused, by line, for the provider's own preview to be compared with (dry runs only).
  const ourErrors = run.options.dryRun ? new Map<number, string>() : undefined;
  // A real run keeps the rows it checks: what it journals after consent is what was planned, and the file is read once.
  const stage = run.options.dryRun ? undefined : new StagedRows();
  let check: FileCheck;
  try {
    check = await checkFile(
      file,
      account,
      run.defaults,
      journal,
      repeatIndex,
      (error, progress) => {
        ourErrors?.set(error.line, error.reason);
        return errorsOut?.write(progress.header, error);
      },
      run.extras.rowCheck,
      stage,
    );
  } finally {
    await errorsOut?.close();
  }
  const existing = await journal.batch(check.batchId);
  if (existing) {
    io.err(
      `these rows were already run as batch ${existing.id} (${existing.fileName}, ${formatTime(existing.createdAt)}): resuming — rows already sent are not sent again`,
    );
    return runExistingBatch(io, context, existing, run, file);
  }

  // The same bytes already made another batch of this account: they read differently now (another decimal
  // convention, currency or country), so the same people would be paid again under other amounts (hostile test).
  const sameBytes = (await journal.withFileHash(account.id, check.fileHash)).find((batch) => batch.id !== check.batchId);
  if (sameBytes && !run.options.allowRepeats) {
    throw failedError(
      `${file} (these very bytes) was already run as batch ${sameBytes.id} (${formatTime(sameBytes.createdAt)}) and now reads as other rows: its amounts or recipients are read differently this time (--decimal-comma / --decimal-point, --currency, --country); nothing was sent`,
      `compare with 'airtime batch show ${sameBytes.id}'; to pay it again as a new batch, pass --allow-repeats`,
    );
  }
  const { summary } = check;
  const plan = await planForFile(journal, check, account, basename(file), run.options.skipRepeats === true, run.windowMs);
  printFileCheck(io, file, summary, run.options);
  const preview = ourErrors ? await askPreview(context, file, run.defaults, check, ourErrors, (line) => io.err(line)) : undefined;
  if (preview && !io.json) for (const line of previewLines(preview.comparison)) io.out(line);
  if (run.options.dryRun && io.json)
    io.printJson({
      dryRun: true,
      batch: check.batchId,
      ...fileJson(file, summary),
      plan: planJson(plan),
      ...(preview ? { preview: previewJson(preview.comparison) } : {}),
    });
  if (!run.options.dryRun && summary.invalid > 0 && !run.options.skipInvalid) {
    throw invalidInput(`${summary.invalid} of ${summary.rows} rows are invalid (see above): ${invalidRowsNext(run.options)}`);
  }
  if (!run.options.dryRun && summary.valid === 0) throw invalidInput('no valid rows to pay');
  // Credentials and settings are checked before anything is journaled: a batch that cannot be sent is not made.
  if (!run.options.dryRun) await context.activeProvider();
  const gate = await passGate(context, plan, consentRequest(run.options), gateView(io, { dryRun: run.options.dryRun, largeRun: context.settings.largeRun }));
  // The real run's exit code: invalid rows first (3, as it checks them first), then what the gate predicts.
  if (gate.kind === 'dry-run')
    return (summary.invalid > 0 && !run.options.skipInvalid) || summary.valid === 0 || preview?.refusesOurs ? ExitCode.invalidInput : gate.exitCode;
  if (gate.kind === 'nothing') {
    io.err('nothing to pay: every row is held by an earlier batch or left out');
    return ExitCode.ok;
  }

  await journal.ensureAccount(account);
  const { batch } = await journal.createBatch({
    id: check.batchId,
    account: account.id,
    provider: account.provider as ProviderName,
    profile: account.profile,
    fileName: basename(file),
    filePath: resolve(file),
    fileHash: check.fileHash,
    fingerprint: check.fingerprint,
    rows: plan.sendNow.rows,
    fileRows: summary.rows,
    invalid: summary.invalid,
    totals: plan.sendNow.totals,
  });
  const lease = await BatchLease.acquire(journal, batch.id);
  try {
    const skip = run.options.skipRepeats ? (row: Parameters<RepeatIndex['probe']>[0]) => repeatIndex.probe(row) !== undefined : undefined;
    const rows = stage?.rows() ?? [];
    if (!(await journalRows(rows, journal, { account, batch, defaults: run.defaults, skip, retryHours: run.extras.retryHours, check: run.extras.rowCheck }))) {
      throw invalidInput(`batch ${batch.id} could not be journaled whole from ${file}: nothing was sent; run the same command again`);
    }
    failpoint('after-journal');
    if (gate.kind === 'awaiting-approval') return await holdForApproval(io, context, batch);
    io.err(`batch ${batch.id}: ${plan.sendNow.rows} rows journaled; sending`);
    return await send(io, context, (await journal.batch(batch.id)) ?? batch, lease, gate.consent, run);
  } finally {
    await lease.release();
  }
}

/**
 * A batch the journal holds: the same file again, or `--resume`. It is completed from its file first if a
 * crash left it part-journaled, then planned from the journal and put through the same gate as a new one.
 */
export async function runExistingBatch(io: IO, context: AppContext, batch: Batch, run: RunSettings, file: string | undefined): Promise<number> {
  const { journal } = context;
  const account: Account = (await journal.account(batch.account)) ?? context.account;
  // Asking and sending go through the batch's own account; refuse early if it cannot be reached as it was.
  await context.providerFor(batch);
  const lease = await BatchLease.acquire(journal, batch.id);
  try {
    if (lease.tookOverFrom)
      io.err(`took over batch ${batch.id} from a run that stopped answering (pid ${lease.tookOverFrom.pid} on ${lease.tookOverFrom.host})`);
    let current = batch;
    if (!current.complete) current = await completeFromFile(io, context, current, account, run, file);
    const repeatIndex = RepeatIndex.scoped(journal, { windowMs: run.windowMs, sandbox: account.provider === 'sandbox', excludeBatch: current.id });
    const { plan, repeatedIds } = await planForBatch(journal, current, account, repeatIndex, run.options.skipRepeats === true);
    if (run.options.dryRun && io.json) io.printJson({ dryRun: true, batch: current.id, plan: planJson(plan) });
    const gate = await passGate(context, plan, consentRequest(run.options), gateView(io, { dryRun: run.options.dryRun, largeRun: context.settings.largeRun }));
    if (gate.kind === 'dry-run') return gate.exitCode;
    if (gate.kind === 'nothing') {
      await waitIfAsked(io, context, current, run);
      return await finish(io, context, current, run, undefined);
    }
    if (gate.kind === 'awaiting-approval') return await holdForApproval(io, context, current);
    if (repeatedIds.length) {
      await journal.observeMany(
        repeatedIds.map((id) => ({
          id,
          observation: { kind: 'skip-repeat', cause: 'cancel', status: 'cancelled', error: 'left out: repeats a recent payment (--skip-repeats)' },
        })),
      );
    }
    return await send(io, context, current, lease, gate.consent, run);
  } finally {
    await lease.release();
  }
}

async function completeFromFile(io: IO, context: AppContext, batch: Batch, account: Account, run: RunSettings, file: string | undefined): Promise<Batch> {
  const source = file ?? batch.filePath;
  if (!source)
    throw invalidInput(
      `batch ${batch.id} is incomplete (${batch.journaled} of ${batch.rows} rows journaled) and its file is unknown: run 'airtime bulk <file>' with its file`,
    );
  io.err(`batch ${batch.id} is incomplete (${batch.journaled} of ${batch.rows} rows journaled): completing it from ${source} before anything is sent`);
  const repeatIndex = await RepeatIndex.load(context.journal, { windowMs: 0, sandbox: account.provider === 'sandbox' });
  let check: FileCheck;
  try {
    check = await checkFile(source, account, run.defaults, context.journal, repeatIndex, undefined, run.extras.rowCheck);
  } catch {
    throw invalidInput(`batch ${batch.id} is incomplete and ${source} cannot be read: run 'airtime bulk <file>' with its file`);
  }
  if (check.batchId !== batch.id) {
    throw invalidInput(
      `batch ${batch.id} is incomplete and ${source} no longer holds its rows (the file changed): run 'airtime bulk <file>' with the file it was made from`,
    );
  }
  if (
    !(await journalFile(source, context.journal, { account, batch, defaults: run.defaults, retryHours: run.extras.retryHours, check: run.extras.rowCheck }))
  ) {
    throw invalidInput(`batch ${batch.id} could not be completed from ${source}: nothing was sent`);
  }
  return (await context.journal.batch(batch.id)) ?? batch;
}

/** Above the approval threshold: the batch is journaled and planned, marked as waiting, and nothing is sent (exit 5: not done). */
async function holdForApproval(io: IO, context: AppContext, batch: Batch): Promise<number> {
  const current = (await context.journal.batch(batch.id)) ?? batch;
  reportAwaitingApproval(io, await markAwaitingApproval(context.journal, current), { batch: batch.id, rows: current.rows, totals: totalsJson(current.totals) });
  return ExitCode.partial;
}

function consentRequest(options: BulkOptions): ConsentRequest {
  return { dryRun: options.dryRun, yes: options.yes, maxTotal: options.maxTotal, allowRepeats: options.allowRepeats };
}

/** Resolves what an earlier run left in flight, then sends the queued rows; Ctrl-C stops cleanly. */
async function send(io: IO, context: AppContext, batch: Batch, lease: BatchLease, consent: Consent, run: RunSettings): Promise<number> {
  await askInFlight(io, context, batch, run);

  const controller = new AbortController();
  const stopListening = onInterrupt(
    () => {
      io.err('\ninterrupted: letting requests in flight finish (Ctrl-C again to quit at once)…');
      controller.abort();
    },
    () => process.exit(ExitCode.cancelled),
  );
  const progress = await startRunProgress(io);
  let result;
  try {
    result = await dispatchBatch(context, consent, batch, lease, {
      concurrency: run.concurrency,
      ratePerSecond: run.rate,
      signal: controller.signal,
      onProgress: (counts) => progress.update(counts),
      remote: run.extras.remote,
    });
  } finally {
    progress.stop();
    stopListening();
  }
  if (result.fatal) {
    // The summary first: what was paid before the refusal is what finance needs to see.
    await finish(io, context, batch, run, ExitCode.failed);
    throw result.fatal;
  }
  if (result.lostLease) {
    const code = await finish(io, context, batch, run, ExitCode.partial);
    // Last, so that it is what the operator reads: why this run stopped and how to carry on.
    io.err(lostLeaseLine(batch, lease, result.progress.sent, resumeCommand(context, batch, run.options)));
    return code;
  }
  if (result.interrupted) {
    const code = await finish(io, context, batch, run, ExitCode.cancelled);
    io.err(`stopped: ${result.progress.sent} sent this run. Resume with: ${resumeCommand(context, batch, run.options)}`);
    return code;
  }
  if (result.progress.heldAsRepeats > 0) {
    const rows = result.progress.heldAsRepeats;
    io.err(
      `${rows} row${rows === 1 ? ' was' : 's were'} not sent: another run paid the same phone and amount after this one was confirmed (left queued; 'airtime batch show ${batch.id}'). ` +
        `To pay ${rows === 1 ? 'it' : 'them'} anyway: ${resumeCommand(context, batch, run.options)} --allow-repeats`,
    );
  }
  await waitIfAsked(io, context, batch, run);
  return finish(io, context, batch, run, undefined);
}

/** One line: this run's lease was taken (by whom), what it did, and what to type once the other run ends. */
function lostLeaseLine(batch: Batch, lease: BatchLease, sent: number, resume: string): string {
  const taker = lease.takenBy;
  const head = `batch ${batch.id} was taken over by another run`;
  const why = 'while this run was silent for longer than its lease: this run stopped sending';
  return taker
    ? `${head} (pid ${taker.pid} on ${taker.host}, ${taker.actor}) ${why} (${sent} sent by it) and that run sends the rest; once it ends, check or finish with: ${resume}`
    : `${head} (since ended) ${why} (${sent} sent by it); check or finish with: ${resume}`;
}

/**
 * What an earlier run left in flight is asked about before anything is sent. Rows the provider has no
 * record of yet, inside the settle delay after their last attempt, cannot be asked about until it passes:
 * the run says when; with `--wait` it waits that out (a countdown on a terminal, a line otherwise) and asks
 * again, so that running the same command again is always enough.
 */
async function askInFlight(io: IO, context: AppContext, batch: Batch, run: RunSettings): Promise<void> {
  const deadline = Date.now() + run.timeoutMs;
  // Bounded: each round either settles rows or waits for a settle delay to pass; a few rounds suffice.
  for (let round = 0; round < 5; round += 1) {
    const inFlight = await context.journal.batchPage(batch.id, ['sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER);
    if (!inFlight.length) return;
    io.err(`asking about ${inFlight.length} rows an earlier run left in flight`);
    const report = await reconcileTransfers(context, inFlight, { concurrency: run.concurrency, resendInWindow: true });
    const early = report.unresolved.filter((entry) => entry.askAgainAtMs !== undefined);
    const operator = report.unresolved.filter((entry) => entry.needsOperator).length;
    io.err(
      `asked: ${report.resolved} resolved, ${report.requeued} to be resent under the same key${early.length ? `, ${early.length} not yet known to the provider` : ''}, ${report.unresolved.length - early.length} still unknown${operator ? ` (${operator} need a status callback or 'airtime resolve': no status query can settle them)` : ''}`,
    );
    if (!early.length) return;
    const askAt = Math.max(...early.map((entry) => entry.askAgainAtMs ?? 0));
    const when = new Date(askAt).toISOString().slice(11, 19);
    if (!run.options.wait) {
      io.err(`${early.length} rows can be asked about from ${when} UTC: run the same command again with --wait to wait for that and finish the batch`);
      return;
    }
    if (askAt > deadline) {
      io.err(`${early.length} rows can be asked about only from ${when} UTC, after --timeout: run the same command again then`);
      return;
    }
    await waitUntil(io, askAt, `${early.length} rows can be asked about from ${when} UTC`);
  }
}

/** Waits until `atMs`: a countdown on a terminal, one line otherwise. */
async function waitUntil(io: IO, atMs: number, what: string): Promise<void> {
  const spinner = await startSpinner(io, what);
  if (!canSpin(io)) io.err(`${what}: waiting ${Math.ceil((atMs - Date.now()) / 1000)} s`);
  try {
    for (let left = atMs - Date.now(); left > 0; left = atMs - Date.now()) {
      spinner.update(`${what}: ${Math.ceil(left / 1000)} s…`);
      await delay(Math.min(left, 1000));
    }
  } finally {
    spinner.stop();
  }
}

/** `--wait`: until every row is final (callbacks through a temporary listener on the sandbox, status queries elsewhere). */
async function waitIfAsked(io: IO, context: AppContext, batch: Batch, run: RunSettings): Promise<void> {
  if (!run.options.wait) return;
  const listener = await startTemporaryListener(context, { batch }, callbackPrinter(io));
  const waitSpinner = await startSpinner(io, 'waiting for final statuses…');
  try {
    await waitForBatch(context, batch.id, run.timeoutMs, (pending) => waitSpinner.update(`waiting for ${pending} transfers to be final…`));
  } finally {
    waitSpinner.stop();
    await listener.stop();
  }
}

/** What to type to carry on: the batch, and everything that decides where and how it goes. */
function resumeCommand(context: AppContext, batch: Batch, options: BulkOptions): string {
  return resumeCommandFor(batch, { activeProfile: context.settings.profileName, out: options.out, remote: options.remote === true });
}

async function writeOut(io: IO, context: AppContext, batch: Batch, run: RunSettings): Promise<void> {
  if (!run.options.out) return;
  const written = await writeResults(run.options.out, context.journal, batch, { file: run.file, defaults: run.defaults });
  if (!written.inputColumns) io.err(`note: ${run.options.out} holds the journal's columns only: ${written.why}`);
}

/** The summary a finance person can trust: per state rows and money, the failed rows, the run time, the next step. */
async function finish(io: IO, context: AppContext, batch: Batch, run: RunSettings, forced: number | undefined): Promise<number> {
  // Money has moved by now: a results file that cannot be written must not hide the summary.
  let outFailure: string | undefined;
  try {
    await writeOut(io, context, batch, run);
  } catch (error) {
    outFailure = error instanceof OutputFileError ? error.reason : error instanceof Error ? error.message : String(error);
  }
  const current = (await context.journal.batch(batch.id)) ?? batch;
  const report = await batchReport(context.journal, current, { ownRun: true });
  const counts = report.tally.counts;
  const done = (counts.submitted ?? 0) + (counts.delivered ?? 0) + (counts.cancelled ?? 0);
  // The batch's own row count, not what happens to be journaled: a part-journaled batch is not done.
  const exit = forced ?? (done === current.rows && report.tally.rows === current.rows ? ExitCode.ok : ExitCode.partial);
  const next = forced === ExitCode.cancelled ? undefined : nextStep(report, resumeCommand(context, current, run.options));
  const extras = {
    durationMs: performance.now() - run.startedAt,
    next: next?.command,
    reason: next?.reason,
    out: outFailure === undefined ? run.options.out : undefined,
  };
  if (io.json) io.printJson(summaryJson(report, extras, await context.journal.list({ batchId: current.id })));
  else await printSummary(io, report, extras);
  // What this run recorded must be in the journal the next command reads: not so if the file was removed or replaced.
  const displaced = context.journal.displaced();
  if (displaced) {
    io.err(`error: ${displaced}`);
    return ExitCode.failed;
  }
  if (outFailure !== undefined) {
    io.err(
      `error: the results file ${run.options.out ?? ''} could not be written (${safeText(outFailure)}): every row is in the journal — write it elsewhere with 'airtime batch show ${current.id} --out FILE'`,
    );
    return exit === ExitCode.ok ? ExitCode.config : exit;
  }
  return exit;
}

/** " (did you mean b_…?)" for a batch id with a typo, among the recent ones. */
export async function similarBatch(context: AppContext, id: string): Promise<string> {
  const recent = await context.journal.batches(200);
  return didYouMean(
    id,
    recent.map((batch) => batch.id),
  );
}
