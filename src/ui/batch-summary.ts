import type { BatchReport } from '../batch/summary.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { formatCount, formatDuration, formatMoney, formatTime, formatTotals, plural, totalsJson } from './format.js';
import type { IO } from './io.js';
import { printTable } from './table.js';
import { colourStatus, transferJson } from './transfer-view.js';

/** A run's extras: how long it took, the one next step, where the results went. */
export interface RunExtras {
  readonly durationMs?: number | undefined;
  readonly next?: string | undefined;
  readonly out?: string | undefined;
  /** Why the next step is needed, when it is not obvious from the counts (an interrupted run). */
  readonly reason?: string | undefined;
}

interface SummaryLine {
  readonly label: string;
  readonly rows: number;
  /** Minor units per currency, or null where the journal has no amounts (rows never journaled). */
  readonly amounts: Readonly<Record<string, number>> | null;
}

const add = (...all: (Readonly<Record<string, number>> | undefined)[]) => {
  const sum: Record<string, number> = {};
  for (const totals of all) for (const [currency, minor] of Object.entries(totals ?? {})) sum[currency] = (sum[currency] ?? 0) + minor;
  return sum;
};

/** Per state, rows and money — only the states that hold rows, in the order finance reads them. */
export function summaryLines(report: BatchReport): SummaryLine[] {
  const { counts, amounts } = report.tally;
  const count = (state: TransferState) => counts[state] ?? 0;
  const lines: SummaryLine[] = [
    { label: 'delivered', rows: count('delivered'), amounts: amounts.delivered ?? {} },
    { label: 'accepted by the provider', rows: count('submitted'), amounts: amounts.submitted ?? {} },
    { label: 'failed', rows: count('failed'), amounts: amounts.failed ?? {} },
    { label: 'reversed', rows: count('reversed'), amounts: amounts.reversed ?? {} },
    { label: 'unknown', rows: count('unknown') + count('sending'), amounts: add(amounts.unknown, amounts.sending) },
    { label: 'not sent', rows: count('queued'), amounts: amounts.queued ?? {} },
    { label: 'skipped as repeats', rows: count('cancelled'), amounts: amounts.cancelled ?? {} },
    { label: 'skipped as invalid', rows: report.batch.invalid, amounts: null },
    { label: 'skipped, paid by earlier batches or repeats', rows: report.notInBatch, amounts: null },
  ];
  return lines.filter((line) => line.rows > 0);
}

/** The summary as JSON: amounts as decimal strings, times in ISO 8601. */
export function summaryJson(report: BatchReport, extras: RunExtras = {}, transfers?: readonly Transfer[]) {
  const { batch, tally } = report;
  return {
    batch: batch.id,
    file: batch.fileName,
    provider: batch.provider,
    profile: batch.profile,
    createdAt: batch.createdAt,
    state: report.state,
    rows: batch.rows,
    fileRows: batch.fileRows,
    totals: totalsJson(tally.totals),
    delivered: totalsJson(tally.delivered),
    counts: tally.counts,
    amounts: Object.fromEntries(Object.entries(tally.amounts).map(([state, totals]) => [state, totalsJson(totals)])),
    skipped: { invalid: batch.invalid, repeats: tally.counts.cancelled ?? 0, notInBatch: report.notInBatch },
    failed: {
      rows: report.failedRows,
      first: report.failures.map((transfer) => ({
        line: transfer.line,
        reference: transfer.reference,
        phone: transfer.phone,
        amount: transferJson(transfer).amount,
        currency: transfer.currency,
        error: transfer.error,
      })),
    },
    durationMs: extras.durationMs === undefined ? null : Math.round(extras.durationMs),
    next: extras.next ?? null,
    ...(extras.out ? { out: extras.out } : {}),
    ...(transfers ? { transfers: transfers.map(transferJson) } : {}),
  };
}

/**
 * The summary for a person. The table (per state: rows, money) is the result and goes to stdout —
 * tab-separated in a pipe; the title, the failed rows, the run time and the next step go to stderr.
 */
export async function printSummary(io: IO, report: BatchReport, extras: RunExtras = {}): Promise<void> {
  const { batch, tally } = report;
  const onTerminal = io.stdoutIsTTY;
  const errGrouped = io.stderrIsTTY;
  io.err(
    `batch ${batch.id} · ${batch.fileName} · ${batch.provider} (profile ${batch.profile}) · ${formatTime(batch.createdAt)} · ${colourStatus(io.errColor, report.state)}`,
  );
  const lines = summaryLines(report);
  await printTable(
    io,
    ['outcome', 'rows', 'amount'],
    [
      ...lines.map((line) => [line.label, formatCount(line.rows, onTerminal), line.amounts ? formatTotals(line.amounts, onTerminal) : '—']),
      [io.color.bold('total in batch'), formatCount(tally.rows, onTerminal), formatTotals(tally.totals, onTerminal)],
    ],
    { align: ['left', 'right', 'right'] },
  );
  if (report.failedRows > 0) {
    io.err(
      `failed rows${report.failedRows > report.failures.length ? ` (first ${report.failures.length} of ${formatCount(report.failedRows, errGrouped)})` : ''}:`,
    );
    for (const transfer of report.failures) {
      io.err(
        `  line ${transfer.line ?? '?'}  ${transfer.phone}  ${formatMoney(transfer.amountMinor, transfer.currency, errGrouped)}  ${transfer.error ?? 'failed'}`,
      );
    }
    if (report.failedRows > report.failures.length) {
      io.err(
        `  … and ${plural(report.failedRows - report.failures.length, 'more row', errGrouped)}: 'airtime status --batch ${batch.id} --state failed --limit ${report.failedRows}'`,
      );
    }
  }
  const tail = [
    extras.durationMs === undefined ? undefined : `run time ${formatDuration(extras.durationMs)}`,
    extras.out ? `results in ${extras.out}` : undefined,
  ].filter(Boolean);
  if (tail.length) io.err(tail.join(' · '));
  if (extras.next) io.err(`next: ${extras.next}${extras.reason ? ` — ${extras.reason}` : ''}`);
}
