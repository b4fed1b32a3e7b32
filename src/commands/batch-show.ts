import type { GlobalOptions } from '../global-options.js';
import { checkOutputPath } from '../batch/output-paths.js';
import { writeResults } from '../batch/results.js';
import { batchReport, nextStep, resumeCommandFor } from '../batch/summary.js';
import { ExitCode, invalidInput } from '../core/errors.js';
import { AppContext } from '../transfers/context.js';
import { printSummary, summaryJson } from '../ui/batch-summary.js';
import type { IO } from '../ui/io.js';
import { didYouMean } from '../core/suggest.js';

interface ShowOptions extends GlobalOptions {
  out?: string;
}

/** `airtime batch show B`: the same summary as at the end of the bulk run, for any batch, now. */
export default async function batchShow(io: IO, id: string, options: ShowOptions): Promise<number> {
  if (options.out) await checkOutputPath(options.out, '--out', []);
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { journal } = context;
    const batch = await journal.batch(id);
    if (!batch) {
      const recent = await journal.batches(200);
      throw invalidInput(
        `no batch "${id}" in the journal${didYouMean(
          id,
          recent.map((entry) => entry.id),
        )}: list them with 'airtime batches'`,
      );
    }
    if (options.out) {
      const { settings } = context;
      const written = await writeResults(options.out, journal, batch, {
        defaults: { country: settings.country, currency: settings.currency, limits: settings.limits },
      });
      if (!written.inputColumns) io.err(`note: ${options.out} holds the journal's columns only: ${written.why}`);
    }
    const report = await batchReport(journal, batch);
    const next = report.state === 'running' ? undefined : nextStep(report, resumeCommandFor(batch, { activeProfile: context.settings.profileName }));
    const extras = { next: next?.command, reason: next?.reason, out: options.out };
    if (io.json) io.printJson(summaryJson(report, extras, await journal.list({ batchId: batch.id })));
    else await printSummary(io, report, extras);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
