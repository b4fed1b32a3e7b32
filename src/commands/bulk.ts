import { checkOutputPath } from '../batch/output-paths.js';
import { bulkExtras } from '../batch/bulk-extras.js';
import { invalidInput, usageError } from '../core/errors.js';
import { requireCurrency } from '../core/money.js';
import { homeCountry } from '../providers/catalog.js';
import { AppContext } from '../transfers/context.js';
import { repeatWindowOption } from '../transfers/repeats.js';
import type { IO } from '../ui/io.js';
import { decimalMarkOption, parseCount, parseSeconds } from './options.js';
import { runBatch, runExistingBatch, similarBatch, type BulkOptions, type RunSettings } from '../payouts/run-batch.js';

export default async function bulk(io: IO, file: string | undefined, options: BulkOptions): Promise<number> {
  if (!file && !options.resume) throw usageError('bulk needs a CSV file (or --resume <batch>)');
  if (options.allowRepeats && options.skipRepeats) throw usageError('--allow-repeats and --skip-repeats contradict each other: choose one');
  const windowMs = repeatWindowOption(options.repeatWindow);
  const run: RunSettings = {
    concurrency: parseCount(options.concurrency, '--concurrency', 256),
    rate: options.rate === undefined ? undefined : parseCount(options.rate, '--rate', 100_000),
    timeoutMs: parseSeconds(options.timeout, '--timeout') * 1000,
    windowMs,
    defaults: {
      country: options.country,
      currency: options.currency,
      forceCurrency: options.forceCurrency,
      decimalMark: decimalMarkOption(options),
      decimalFlags: true,
    },
    options,
    file,
    startedAt: performance.now(),
    extras: { retryHours: undefined, remote: false, rowCheck: undefined },
  };
  if (options.currency) requireCurrency(options.currency);
  // Paths written after money moved are checked before anything moves (and may not be an input).
  const inputs = file ? [file] : [];
  if (options.out) await checkOutputPath(options.out, '--out', inputs);
  if (options.errorsOut) await checkOutputPath(options.errorsOut, '--errors-out', inputs);

  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const settings = context.settings;
    const defaults = {
      ...run.defaults,
      country: options.country ?? settings.country,
      currency: options.currency ?? settings.currency,
      limits: settings.limits,
      exampleCountry: homeCountry[settings.provider],
    };
    const settled = { ...run, defaults, extras: await bulkExtras(context, options, (line) => io.err(line)) };
    if (options.resume) {
      const batch = await context.journal.batch(options.resume);
      if (!batch)
        throw invalidInput(`no batch "${options.resume}" in the journal${await similarBatch(context, options.resume)}: list them with 'airtime batches'`);
      return await runExistingBatch(io, context, batch, settled, file);
    }
    return await runBatch(io, context, file as string, settled);
  } finally {
    await context.close();
  }
}
