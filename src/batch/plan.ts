import type { Account } from '../core/account.js';
import { openStates, type TransferState } from '../core/transfer-state.js';
import type { Batch } from '../journal/batch.js';
import type { Journal } from '../journal/journal.js';
import type { Plan, PlanLine } from '../transfers/gate.js';
import { describeRepeats, RepeatTally, type RepeatIndex } from '../transfers/repeats.js';
import { heldElsewhere, type FileCheck } from './prepare.js';

function minus(totals: Readonly<Record<string, number>>, ...others: Readonly<Record<string, number>>[]): Record<string, number> {
  const result = { ...totals };
  for (const other of others) for (const [currency, minor] of Object.entries(other)) result[currency] = (result[currency] ?? 0) - minor;
  for (const [currency, minor] of Object.entries(result)) if (minor === 0) delete result[currency];
  return result;
}

/** The plan for a file the journal does not hold yet, from its validation. */
export async function planForFile(
  journal: Journal,
  check: FileCheck,
  account: Account,
  fileName: string,
  skipRepeats: boolean,
  windowMs: number,
): Promise<Plan> {
  const held = heldElsewhere(check);
  const repeats = check.repeats.report(check.batchId);
  const skipped = skipRepeats ? repeats.count : 0;
  const totals = Object.fromEntries(check.summary.totals);
  return {
    subject: `batch ${check.batchId} (${fileName})`,
    account,
    batch: { id: check.batchId, fileName, fileRows: check.summary.rows, invalid: check.summary.invalid, alreadySent: held.count, isNew: true },
    sendNow: { rows: check.summary.valid - held.count - skipped, totals: minus(totals, held.totals, skipRepeats ? repeats.totals : {}) },
    askFirst: { rows: 0, totals: {} },
    done: {},
    repeats: { count: skipRepeats ? 0 : repeats.count, skipped, matches: await describeRepeats(journal, repeats.samples), windowMs },
  };
}

export interface BatchPlan {
  readonly plan: Plan;
  /** Queued rows that repeat a recent payment elsewhere (to cancel with --skip-repeats). */
  readonly repeatedIds: readonly number[];
}

/** The plan for a batch the journal holds: what is queued, what is in flight, what is done. */
export async function planForBatch(journal: Journal, batch: Batch, account: Account, repeatIndex: RepeatIndex, skipRepeats: boolean): Promise<BatchPlan> {
  const tally = await journal.tally(batch.id);
  const repeats = new RepeatTally();
  const repeatedIds: number[] = [];
  for (let afterLine = 0; ;) {
    const page = await journal.batchPage(batch.id, ['queued'], afterLine, 5000);
    if (page.length === 0) break;
    await repeatIndex.prefetch(page.map((transfer) => transfer.phone));
    for (const transfer of page) {
      const earlier = repeatIndex.probe(transfer);
      if (earlier === undefined) continue;
      repeats.add({ phone: transfer.phone, amountMinor: transfer.amountMinor, currency: transfer.currency, line: transfer.line, earlierBatch: earlier });
      repeatedIds.push(transfer.id);
    }
    afterLine = page.at(-1)?.line ?? afterLine;
  }
  const report = repeats.report(batch.id);
  const line = (states: readonly TransferState[]): PlanLine => {
    const totals: Record<string, number> = {};
    let rows = 0;
    for (const state of states) {
      rows += tally.counts[state] ?? 0;
      for (const [currency, minor] of Object.entries(tally.amounts[state] ?? {})) totals[currency] = (totals[currency] ?? 0) + minor;
    }
    return { rows, totals };
  };
  const queued = line(['queued']);
  const done: Partial<Record<TransferState, number>> = {};
  for (const [state, count] of Object.entries(tally.counts) as [TransferState, number][])
    if (state !== 'queued' && !openStates.includes(state)) done[state] = count;
  if (tally.counts.submitted) done.submitted = tally.counts.submitted;
  const skipped = skipRepeats ? report.count : 0;
  return {
    plan: {
      subject: `batch ${batch.id} (${batch.fileName})`,
      account,
      batch: { id: batch.id, fileName: batch.fileName, fileRows: batch.fileRows, invalid: batch.invalid, alreadySent: 0, isNew: false },
      sendNow: { rows: queued.rows - skipped, totals: minus(queued.totals, skipRepeats ? report.totals : {}) },
      askFirst: line(['sending', 'unknown']),
      done,
      repeats: { count: skipRepeats ? 0 : report.count, skipped, matches: await describeRepeats(journal, report.samples), windowMs: repeatIndex.windowMs },
    },
    repeatedIds: skipRepeats ? repeatedIds : [],
  };
}
