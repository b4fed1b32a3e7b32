import type { GlobalOptions } from '../global-options.js';
import { ExitCode, failedError, invalidInput, usageError } from '../core/errors.js';
import { planForBatch } from '../batch/plan.js';
import type { Batch } from '../journal/batch.js';
import type { Journal } from '../journal/journal.js';
import { approvalState, approveBatch, rejectBatch } from '../transfers/approvals.js';
import { AppContext } from '../transfers/context.js';
import { BatchLease } from '../transfers/ownership.js';
import { RepeatIndex, defaultRepeatWindowMs } from '../transfers/repeats.js';
import { approvalJson } from '../ui/approval-view.js';
import { confirmOrExit } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';
import { parsePhone } from '../core/phone.js';
import { formatMoney, formatTime, plural } from '../ui/format.js';
import { planJson, planLines } from '../ui/plan-view.js';

interface DecisionOptions extends GlobalOptions {
  yes?: boolean;
  note?: string;
}

async function findBatch(journal: Journal, id: string): Promise<Batch> {
  const batch = await journal.batch(id);
  if (!batch) throw invalidInput(`no batch "${id}" in the journal ${journal.location}: list them with 'airtime status --json' (batch ids start with b_)`);
  return batch;
}

/** The plan exactly as the sender will meet it: rows, totals, repeats flagged, and what identifies the file. */
async function showPlan(io: IO, context: AppContext, batch: Batch) {
  const { journal } = context;
  const account = (await journal.account(batch.account)) ?? context.account;
  const repeats = await RepeatIndex.load(journal, { windowMs: defaultRepeatWindowMs, sandbox: account.provider === 'sandbox', excludeBatch: batch.id });
  const { plan } = await planForBatch(journal, batch, account, repeats, false);
  const state = await approvalState(journal, batch);
  if (!io.json) {
    for (const line of planLines(plan, undefined)) io.err(line);
    io.err(`  file ${batch.fileName}, sha256 ${batch.fileHash}; ${plural(batch.rows, 'row')} planned by ${state.planner} at ${formatTime(batch.createdAt)}`);
    io.err(`  plan hash ${state.planHash}${state.reason ? `; approval needed: ${state.reason}` : ''}`);
    // Who is paid (issue 23): an approver saw counts and hashes only. The largest rows, the countries, and where to see all.
    const open = await journal.batchPage(batch.id, ['queued', 'sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER);
    const countries = new Map<string, number>();
    for (const row of open) {
      let country = '?';
      try {
        country = parsePhone(row.phone).country;
      } catch {
        // a meter number (ZESA) or a number no longer valid: counted as '?'
      }
      countries.set(country, (countries.get(country) ?? 0) + 1);
    }
    // The three largest per currency (amounts in different currencies do not compare).
    const largest = [...new Set(open.map((row) => row.currency))].flatMap((currency) =>
      open
        .filter((row) => row.currency === currency)
        .sort((a, b) => b.amountMinor - a.amountMinor)
        .slice(0, 3),
    );
    if (largest.length) {
      io.err(`  largest rows:`);
      for (const row of largest) io.err(`    line ${row.line ?? '?'}  ${row.phone}  ${formatMoney(row.amountMinor, row.currency, io.stderrIsTTY)}`);
      io.err(
        `  countries: ${[...countries]
          .sort((a, b) => b[1] - a[1])
          .map(([code, count]) => `${code} ${count}`)
          .join(', ')}`,
      );
      io.err(`  every row: 'airtime batch show ${batch.id} --out review.csv'`);
    }
  }
  return { plan, state };
}

/** `airtime approve B`: the second pair of eyes. Shows the plan, asks (or --yes), records an approval bound to the plan's hash. */
export default async function approve(io: IO, batchId: string, options: DecisionOptions): Promise<number> {
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { journal } = context;
    const batch = await findBatch(journal, batchId);
    const { plan, state } = await showPlan(io, context, batch);
    if (state.rejected) throw failedError(`batch ${batch.id} was rejected: it cannot be approved`);
    if (plan.sendNow.rows + plan.askFirst.rows === 0) throw failedError(`batch ${batch.id} has nothing left to send: there is nothing to approve`);
    const me = await journal.whoami();
    if (state.planner === me) {
      throw failedError(`you (${me}) planned batch ${batch.id}: another operator must approve it`, 'four eyes: the planner cannot approve their own batch');
    }
    await confirmOrExit(io, `Approve paying batch ${batch.id} as shown (${plural(plan.sendNow.rows, 'row')}) as ${me}?`, { yes: options.yes });
    const { state: after, recorded } = await approveBatch(journal, batch, options.note?.trim() || undefined);
    if (io.json) {
      io.printJson({ approved: true, recorded, by: me, plan: planJson(plan), approval: approvalJson(after) });
      return ExitCode.ok;
    }
    io.err(recorded ? `approved by ${me}` : `already approved by ${me}: recorded once`);
    if (after.required === 0) io.err(`the policy does not require approval for this batch; it can be sent: 'airtime bulk --resume ${batch.id}'`);
    else if (after.satisfied)
      io.err(`approved by ${after.approvers.join(', ')} (${after.required} required): it can be sent now: 'airtime bulk --resume ${batch.id}'`);
    else io.err(`${after.approvers.length} of ${after.required} approvals: ask another operator to run 'airtime approve ${batch.id}'`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

/** `airtime reject B --note TEXT`: cancels the batch's unsent rows (they are never sent), with who and why. */
export async function reject(io: IO, batchId: string, options: DecisionOptions): Promise<number> {
  const note = options.note?.trim();
  if (!note) throw usageError('--note is required: say why the batch is rejected (it is kept in the audit trail)');
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  let lease: BatchLease | undefined;
  try {
    const { journal } = context;
    const batch = await findBatch(journal, batchId);
    if (batch.state === 'rejected') throw failedError(`batch ${batch.id} was already rejected`);
    // Nobody may be sending it meanwhile: a running batch is refused with who runs it.
    lease = await BatchLease.acquire(journal, batch.id);
    const { plan } = await showPlan(io, context, batch);
    await confirmOrExit(io, `Reject batch ${batch.id}: cancel its ${plan.sendNow.rows} unsent rows?`, { yes: options.yes });
    const cancelled = await rejectBatch(journal, batch, note);
    const me = await journal.whoami();
    if (io.json) io.printJson({ rejected: true, batch: batch.id, by: me, note, cancelled });
    else {
      io.err(`batch ${batch.id} rejected by ${me}: ${plural(cancelled, 'row')} cancelled (never sent)`);
      if (plan.askFirst.rows)
        io.err(
          `${plural(plan.askFirst.rows, 'row')} ${plan.askFirst.rows === 1 ? 'was' : 'were'} already in flight: 'airtime reconcile ${batch.id}' asks about them`,
        );
    }
    return ExitCode.ok;
  } finally {
    await lease?.release();
    await context.close();
  }
}
