import { batchReport } from '../batch/summary.js';
import { ExitCode } from '../core/errors.js';
import { AppContext } from '../transfers/context.js';
import { formatCount, formatTime, formatTotals, totalsJson } from '../ui/format.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';
import { colourStatus } from '../ui/transfer-view.js';
import { parseCount } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface BatchesOptions extends GlobalOptions {
  limit: string;
}

const outcomeOrder = ['delivered', 'submitted', 'failed', 'reversed', 'unknown', 'sending', 'queued', 'cancelled'] as const;
const outcomeWord: Record<(typeof outcomeOrder)[number], string> = {
  delivered: 'delivered',
  submitted: 'accepted',
  failed: 'failed',
  reversed: 'reversed',
  unknown: 'unknown',
  sending: 'sending',
  queued: 'not sent',
  cancelled: 'skipped',
};

/** `airtime batches`: the most recent batches first, with where each stands. */
export default async function batches(io: IO, options: BatchesOptions): Promise<number> {
  const limit = parseCount(options.limit, '--limit', 10_000);
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const reports = await Promise.all((await context.journal.batches(limit)).map((batch) => batchReport(context.journal, batch, { failures: 0 })));
    if (io.json) {
      io.printJson({
        batches: reports.map(({ batch, tally, state }) => ({
          batch: batch.id,
          file: batch.fileName,
          createdAt: batch.createdAt,
          provider: batch.provider,
          profile: batch.profile,
          rows: batch.rows,
          fileRows: batch.fileRows,
          invalid: batch.invalid,
          totals: totalsJson(batch.totals),
          delivered: totalsJson(tally.delivered),
          counts: tally.counts,
          state,
        })),
      });
      return ExitCode.ok;
    }
    if (reports.length === 0) {
      io.err("no batches yet: pay a file with 'airtime bulk payouts.csv'");
      return ExitCode.ok;
    }
    const grouped = io.stdoutIsTTY;
    await printTable(
      io,
      ['batch', 'file', 'created', 'provider', 'rows', 'total', 'outcomes', 'state'],
      reports.map(({ batch, tally, state }) => [
        batch.id,
        batch.fileName,
        grouped ? formatTime(batch.createdAt) : batch.createdAt,
        `${batch.provider}/${batch.profile}`,
        formatCount(batch.rows, grouped),
        formatTotals(batch.totals, grouped),
        outcomeOrder
          .filter((state) => (tally.counts[state] ?? 0) > 0)
          .map((state) => `${formatCount(tally.counts[state] ?? 0, grouped)} ${outcomeWord[state]}`)
          .join(', ') || '—',
        colourStatus(io.color, state),
      ]),
      { align: ['left', 'left', 'left', 'left', 'right', 'right', 'left', 'left'], shrink: [1, 6], drop: [3, 2, 6, 4] }, // outcomes and rows give way before money is cut (issue 23)
    );
    if (reports.length === limit) io.err(`the ${limit} most recent; more with --limit`);
    io.err("details of one: 'airtime batch show <batch>'");
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
