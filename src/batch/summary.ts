import type { Batch, BatchTally } from '../journal/batch.js';
import type { Journal } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';

/** Where a batch stands, in one word an operator can act on. */
export type BatchState = 'incomplete' | 'running' | 'unknown' | 'awaiting approval' | 'not sent' | 'rejected' | 'accepted' | 'failures' | 'done';

/**
 * Everything the summary of a batch shows, read from the journal: the same for the end of a `bulk` run,
 * `airtime batch show` and each line of `airtime batches`.
 */
export interface BatchReport {
  readonly batch: Batch;
  readonly tally: BatchTally;
  readonly state: BatchState;
  /** The first failed rows, in file order, with their reasons. */
  readonly failures: readonly Transfer[];
  readonly failedRows: number;
  /** Valid rows of the file that this batch does not pay: sent by an earlier batch, or left out as repeats. */
  readonly notInBatch: number;
}

export const failuresShown = 20;

/** The state of a batch from its tally (and whether a run holds it now). */
export function batchState(batch: Batch, tally: BatchTally, running: boolean): BatchState {
  const count = (state: keyof BatchTally['counts']) => tally.counts[state] ?? 0;
  if (running) return 'running';
  if (!batch.complete) return 'incomplete';
  if (count('unknown') + count('sending') > 0) return 'unknown';
  if (batch.state === 'rejected') return 'rejected';
  if (count('queued') > 0) return batch.state === 'awaiting-approval' ? 'awaiting approval' : 'not sent';
  if (count('submitted') > 0) return 'accepted';
  if (count('failed') + count('reversed') > 0) return 'failures';
  return 'done';
}

/** `ownRun`: the caller holds the batch's lease (the end of a bulk run), so it is not "running" elsewhere. */
export async function batchReport(journal: Journal, batch: Batch, options: { failures?: number; ownRun?: boolean } = {}): Promise<BatchReport> {
  const tally = await journal.tally(batch.id);
  const lease = options.ownRun ? undefined : await journal.lease(`batch:${batch.id}`);
  const running = lease !== undefined && lease.silentMs <= lease.ttlMs;
  const limit = options.failures ?? failuresShown;
  const failures = limit > 0 && tally.counts.failed ? await journal.list({ batchId: batch.id, status: 'failed', limit }) : [];
  return {
    batch,
    tally,
    state: batchState(batch, tally, running),
    failures,
    failedRows: tally.counts.failed ?? 0,
    notInBatch: Math.max(0, batch.fileRows - batch.invalid - batch.rows),
  };
}

/**
 * The one thing to do next, as a command: ask about unknowns first (never resend them), then send what
 * was not sent, then bring accepted rows to their final state. Nothing when every row is final.
 */
export function nextStep(report: BatchReport, resumeCommand: string): { command: string; reason: string } | undefined {
  const counts = report.tally.counts;
  const unknown = (counts.unknown ?? 0) + (counts.sending ?? 0);
  const rows = (count: number) => `${count} row${count === 1 ? '' : 's'}`;
  if (unknown > 0) {
    return {
      command: `airtime reconcile ${report.batch.id}`,
      reason: `asks the provider about ${rows(unknown)} whose outcome is unknown (never resends under a new key)`,
    };
  }
  if (!report.batch.complete) return { command: resumeCommand, reason: 'completes the batch from its file, then sends it' };
  if (report.state === 'awaiting approval') {
    return { command: `airtime approve ${report.batch.id}`, reason: `by an operator other than its planner; then ${resumeCommand} sends it` };
  }
  if ((counts.queued ?? 0) > 0) return { command: resumeCommand, reason: `sends the ${rows(counts.queued ?? 0)} not sent, under the same keys` };
  if ((counts.submitted ?? 0) > 0) {
    return {
      command: `airtime reconcile ${report.batch.id} --submitted`,
      reason: `asks for the final state of ${rows(counts.submitted ?? 0)} accepted by the provider`,
    };
  }
  return undefined;
}

/** `airtime bulk --resume B` with the flags that make it reach the batch's own account. */
export function resumeCommandFor(batch: Batch, options: { activeProfile: string; out?: string | undefined; remote?: boolean }): string {
  const parts = ['airtime bulk --resume', batch.id];
  if (options.activeProfile !== 'default' || batch.profile !== 'default') parts.push('--profile', batch.profile);
  if (batch.provider !== 'sandbox') parts.push('--provider', batch.provider);
  if (options.remote) parts.push('--remote');
  if (options.out) parts.push('--out', options.out);
  return parts.join(' ');
}
