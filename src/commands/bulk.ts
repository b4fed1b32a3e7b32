import { basename } from 'node:path';
import type { GlobalOptions } from '../cli.js';
import { batchIdFor, hashFile } from '../batch/file-hash.js';
import { checkFile, journalRows } from '../batch/prepare.js';
import { dispatchBatch, type DispatchProgress } from '../batch/dispatch.js';
import { reconcileTransfers } from '../batch/reconcile.js';
import { errorsWriter, writeResults } from '../batch/results.js';
import type { ValidationSummary } from '../batch/validate.js';
import { waitForBatch } from '../batch/wait.js';
import { ExitCode, failedError, invalidInput, usageError } from '../core/errors.js';
import { formatMinor, parseAmount, requireCurrency } from '../core/money.js';
import type { RecipientDefaults } from '../core/recipient.js';
import type { Batch } from '../journal/batches.js';
import { failpoint } from '../failpoints.js';
import { AppContext } from '../transfers/context.js';
import { startTemporaryListener } from '../transfers/temporary-listener.js';
import { confirmOrExit } from '../ui/confirm.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { IO } from '../ui/io.js';
import { startSpinner } from '../ui/spinner.js';
import { printTable } from '../ui/table.js';
import { transferJson } from '../ui/transfer-view.js';
import { parseCount, parseSeconds } from './options.js';

interface BulkOptions extends GlobalOptions {
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
}

const money = (totals: Map<string, number> | Record<string, number>) =>
  Object.fromEntries([...(totals instanceof Map ? totals : Object.entries(totals))].map(([currency, minor]) => [currency, formatMinor(minor, currency)]));

const describeTotals = (totals: Map<string, number> | Record<string, number>) =>
  Object.entries(money(totals))
    .map(([currency, amount]) => `${amount} ${currency}`)
    .join(', ') || 'nothing';

export default async function bulk(io: IO, file: string | undefined, options: BulkOptions): Promise<number> {
  if (!file && !options.resume) throw usageError('bulk needs a CSV file (or --resume <batch>)');
  const concurrency = parseCount(options.concurrency, '--concurrency', 256);
  const rate = options.rate === undefined ? undefined : parseCount(options.rate, '--rate', 100_000);
  const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
  const context = AppContext.open(options);
  try {
    const { settings } = context;
    const defaults: RecipientDefaults = {
      country: options.country ?? settings.country,
      currency: options.currency ?? settings.currency,
      forceCurrency: options.forceCurrency,
      limits: settings.limits,
    };
    if (options.currency) requireCurrency(options.currency);

    let batch: Batch | undefined;
    if (options.resume) {
      batch = context.batches.get(options.resume);
      if (!batch) throw invalidInput(`no batch "${options.resume}" in the journal: list transfers with 'airtime status --json' to find batch ids`);
      if (batch.provider !== settings.provider)
        throw usageError(`batch ${batch.id} was sent through ${batch.provider}: add --provider ${batch.provider} (or its --profile ${batch.profile})`);
    } else if (file) {
      const fileHash = await hashFile(file).catch(() => {
        throw invalidInput(`file "${file}" cannot be read: check the path`);
      });
      batch = context.batches.byFile(fileHash, settings.provider, settings.profileName);
      if (batch) {
        io.err(`this file was already run as batch ${batch.id} (${batch.createdAt}): resuming — rows already sent are not sent again`);
      } else {
        const prepared = await prepareBatch(io, context, file, fileHash, defaults, options);
        if (typeof prepared === 'number') return prepared;
        batch = prepared;
      }
    }
    if (!batch) throw usageError('nothing to run');
    return await runBatch(io, context, batch, { concurrency, rate, timeoutMs, options });
  } finally {
    await context.close();
  }
}

async function prepareBatch(
  io: IO,
  context: AppContext,
  file: string,
  fileHash: string,
  defaults: RecipientDefaults,
  options: BulkOptions,
): Promise<Batch | number> {
  const { settings } = context;
  const errorsOut = options.errorsOut ? errorsWriter(options.errorsOut) : undefined;
  let check;
  try {
    check = await checkFile(file, fileHash, defaults, context.journal, (error, progress) => errorsOut?.write(progress.header, error));
  } finally {
    await errorsOut?.close();
  }
  const { summary, alreadyInJournal } = check;

  printPlan(io, file, summary, alreadyInJournal, settings.provider, settings.profileName, options);
  if (options.dryRun) return summary.invalid > 0 ? ExitCode.invalidInput : ExitCode.ok;
  if (summary.invalid > 0 && !options.skipInvalid) {
    throw invalidInput(
      `${summary.invalid} of ${summary.rows} rows are invalid: fix them (see above${options.errorsOut ? ` and ${options.errorsOut}` : ''}) or pass --skip-invalid to pay only the valid rows`,
    );
  }
  if (summary.valid === 0) throw invalidInput('no valid rows to pay');
  if (options.maxTotal) {
    for (const [currency, minor] of summary.totals) {
      const cap = parseAmount(options.maxTotal, requireCurrency(currency), { minMinor: null, maxMinor: null }).minor;
      if (minor > cap)
        throw failedError(`the run's total ${formatMinor(minor, currency)} ${currency} is above --max-total ${options.maxTotal}: nothing was sent`);
    }
  }
  const provider = await context.provider();
  if (provider.capabilities.balance) {
    const balances = await provider.balance().catch((error: unknown) => {
      throw failedError(`cannot check the balance before paying (${error instanceof Error ? error.message : String(error)}): nothing was sent; try again`);
    });
    for (const [currency, minor] of summary.totals) {
      const balance = balances.find((entry) => entry.currency === currency);
      if (!balance) continue;
      io.err(`balance ${currency}: ${formatMinor(balance.minor, currency)} now, ${formatMinor(balance.minor - minor, currency)} after this run`);
      if (balance.minor < minor) {
        throw failedError(
          `insufficient balance: ${provider.name} holds ${formatMinor(balance.minor, currency)} ${currency} but this run needs ${formatMinor(minor, currency)} ${currency}; nothing was sent`,
        );
      }
    }
  }
  await confirmOrExit(io, `Pay ${summary.valid} rows (${describeTotals(summary.totals)}) through ${settings.provider} (profile ${settings.profileName})?`, {
    yes: options.yes,
  });
  const batch = context.batches.create({
    id: batchIdFor(fileHash, settings.provider, settings.profileName),
    fileName: basename(file),
    fileHash,
    provider: settings.provider,
    profile: settings.profileName,
    rows: summary.valid,
  });
  await journalRows(file, fileHash, defaults, context.journal, { provider: settings.provider, profile: settings.profileName, batchId: batch.id });
  failpoint('after-journal');
  io.err(`batch ${batch.id}: ${summary.valid} rows journaled; sending`);
  return batch;
}

function printPlan(io: IO, file: string, summary: ValidationSummary, alreadyInJournal: number, provider: string, profile: string, options: BulkOptions): void {
  const mapping = summary.mapping;
  const plan = {
    file,
    provider,
    profile,
    rows: summary.rows,
    valid: summary.valid,
    invalid: summary.invalid,
    duplicates: summary.duplicates,
    alreadyInJournal,
    totals: money(summary.totals),
    counts: Object.fromEntries(summary.counts),
    columns: Object.fromEntries((mapping?.applied ?? []).map(({ header, field }) => [field, header])),
    ignoredColumns: mapping?.unknown ?? [],
    errors: summary.errors.map(({ line, column, value, reason }) => ({ line, column, value, reason })),
  };
  const out = options.dryRun ? (text: string) => io.out(text) : (text: string) => io.err(text);
  if (options.dryRun && io.json) {
    io.printJson({ dryRun: true, ...plan });
    return;
  }
  out(
    `${options.dryRun ? 'dry run — nothing will be sent\n' : ''}file ${file}: ${summary.rows} rows, ${summary.valid} valid, ${summary.invalid} invalid${summary.duplicates ? ` (${summary.duplicates} duplicates)` : ''}`,
  );
  out(
    `columns: ${(mapping?.applied ?? []).map(({ header, field }) => `${field} ← "${header}"`).join(', ')}${mapping?.unknown.length ? `; ignored: ${mapping.unknown.map((h) => `"${h}"`).join(', ')}` : ''}`,
  );
  out(`total: ${describeTotals(summary.totals)} · provider ${provider} · profile ${profile}`);
  if (alreadyInJournal) out(`${alreadyInJournal} rows carry references already sent earlier: they will not be sent again`);
  for (const error of summary.errors) out(`  line ${error.line}, ${error.column}: ${error.reason}`);
  if (summary.invalid > summary.errors.length) out(`  … and ${summary.invalid - summary.errors.length} more (use --errors-out FILE for all of them)`);
}

interface RunSettings {
  readonly concurrency: number;
  readonly rate: number | undefined;
  readonly timeoutMs: number;
  readonly options: BulkOptions;
}

async function runBatch(io: IO, context: AppContext, batch: Batch, run: RunSettings): Promise<number> {
  // Rows caught in flight by an earlier run are resolved by asking the provider before anything is sent.
  const inFlight = [...context.journal.batchPage(batch.id, ['sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER)];
  if (inFlight.length) {
    io.err(`reconciling ${inFlight.length} rows whose outcome an earlier run did not record`);
    const report = await reconcileTransfers(context, inFlight, run.concurrency);
    io.err(
      `reconciled: ${report.resolved} resolved, ${report.requeued} never arrived (sending them under the same key), ${report.unresolved.length} still unknown`,
    );
  }

  const controller = new AbortController();
  const stopListening = onInterrupt(
    () => {
      io.err('\ninterrupted: letting requests in flight finish (Ctrl-C again to quit at once)…');
      controller.abort();
    },
    () => process.exit(ExitCode.cancelled),
  );
  const spinner = await startSpinner(io, 'sending…');
  let lastLine = 0;
  const report = (progress: DispatchProgress) => {
    const elapsed = (performance.now() - progress.startedAt) / 1000;
    const perSecond = elapsed > 0 ? progress.sent / elapsed : 0;
    const eta = perSecond > 0 ? Math.ceil((progress.total - progress.sent) / perSecond) : 0;
    const line = `sent ${progress.sent}/${progress.total} · failed ${progress.failed} · unknown ${progress.unknown} · ${perSecond.toFixed(0)}/s · ETA ${eta}s`;
    if (io.stderrIsTTY && !io.json) spinner.update(line);
    else if (performance.now() - lastLine > 2000 || progress.sent === progress.total) {
      lastLine = performance.now();
      if (!io.json) io.err(line);
    }
  };
  let result;
  try {
    result = await dispatchBatch(context, batch.id, { concurrency: run.concurrency, ratePerSecond: run.rate, signal: controller.signal, onProgress: report });
  } finally {
    spinner.stop();
    stopListening();
  }
  if (result.fatal) throw result.fatal;
  if (result.interrupted) {
    const tally = context.batches.tally(batch.id);
    io.err(
      `stopped: ${result.progress.sent} sent this run, ${tally.counts.queued ?? 0} not sent. Resume with: airtime bulk --resume ${batch.id}${context.settings.profileName !== 'default' ? ` --profile ${context.settings.profileName}` : ''}`,
    );
    return ExitCode.cancelled;
  }
  if (run.options.wait) {
    const listener = await startTemporaryListener(context, io);
    const waitSpinner = await startSpinner(io, 'waiting for final statuses…');
    try {
      await waitForBatch(context, batch.id, run.timeoutMs, (pending) => waitSpinner.update(`waiting for ${pending} transfers to be final…`));
    } finally {
      waitSpinner.stop();
      await listener.stop();
    }
  }
  return finish(io, context, batch, run.options);
}

async function finish(io: IO, context: AppContext, batch: Batch, options: BulkOptions): Promise<number> {
  const tally = context.batches.tally(batch.id);
  const transfers = () => context.journal.list({ batchId: batch.id });
  if (options.out) await writeResults(options.out, transfers());
  const counts = tally.counts;
  const done = (counts.submitted ?? 0) + (counts.delivered ?? 0);
  const exit = done === tally.rows ? ExitCode.ok : ExitCode.partial;
  if (io.json) {
    io.printJson({
      batch: batch.id,
      rows: tally.rows,
      totals: money(tally.totals),
      delivered: money(tally.delivered),
      counts,
      transfers: transfers().map(transferJson),
    });
  } else {
    printTable(
      io,
      ['batch', 'rows', 'status', 'count'],
      Object.entries(counts).map(([status, count]) => [batch.id, String(tally.rows), status, String(count)]),
    );
    io.err(`total ${describeTotals(tally.totals)}; delivered so far ${describeTotals(tally.delivered)}${options.out ? `; results in ${options.out}` : ''}`);
    if ((counts.unknown ?? 0) + (counts.sending ?? 0) > 0)
      io.err(`some outcomes are unknown: 'airtime reconcile ${batch.id}' asks the provider (never resends under a new key)`);
    if (counts.queued) io.err(`${counts.queued} rows were not sent: 'airtime bulk --resume ${batch.id}' sends them`);
  }
  return exit;
}
