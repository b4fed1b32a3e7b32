import { createHash } from 'node:crypto';
import { batchIdFor, ContentFingerprint } from '../batch/batch-identity.js';
import type { Account } from '../core/account.js';
import { failedError } from '../core/errors.js';
import { transferStates } from '../core/transfer-state.js';
import type { Batch } from '../journal/batch.js';
import type { EventRecord, Journal } from '../journal/journal.js';
import type { NewTransfer, Transfer } from '../journal/transfer.js';
import type { Plan } from './gate.js';
import { approvalsNeeded, describeExcess, readPolicy, type ApprovalPolicy } from './policy.js';

/**
 * Four eyes: a batch above the journal's approval threshold is journaled and planned, then waits until
 * enough operators other than its planner approved exactly what will be sent. Approvals are events (kind
 * `approval`), so who approved what is in the hash-chained audit trail and is named by the database.
 */
export interface ApprovalState {
  readonly batchId: string;
  /** Approvals the policy asks of this batch (0: none). */
  readonly required: number;
  /** What an approval is bound to: a changed plan needs new approvals. */
  readonly planHash: string;
  /** Who journaled the batch: they may not approve it. */
  readonly planner: string;
  /** Operators (not the planner) who approved this very plan. */
  readonly approvers: readonly string[];
  readonly rejected: boolean;
  /** No hash-chained creation event: its row was written outside airtime, so its planner is unknown and nobody may approve it. */
  readonly orphan: boolean;
  readonly satisfied: boolean;
  /** Why approval is needed: "120000.00 KES is above 50000.00 KES". */
  readonly reason: string;
}

/** What holds a run back: approvals still missing (for a batch the journal holds, or one about to be journaled). */
export interface PendingApproval {
  /** Absent for a plan not journaled yet (a new file or a new send): it has no approvals yet. */
  readonly state: ApprovalState | undefined;
  readonly required: number;
  readonly reason: string;
}

export const approvalKind = 'approval';

/**
 * The plan's hash: the batch's account, its content fingerprint, the rows it pays and their totals, and
 * every journaled row (line, key, phone, amount, currency — not its state, so a run that stopped half way
 * keeps its approval). A file edited after approval is another batch; rows changed in the journal after
 * approval change this hash, and the approval no longer counts.
 */
export async function planHash(journal: Journal, batch: Batch): Promise<string> {
  const hash = createHash('sha256');
  const totals = Object.entries(batch.totals).sort(([a], [b]) => a.localeCompare(b));
  hash.update(JSON.stringify({ account: batch.account, fingerprint: batch.fingerprint, rows: batch.rows, totals }));
  for (let afterLine = 0; ;) {
    const page = await journal.batchPage(batch.id, transferStates, afterLine, 5000);
    if (page.length === 0) break;
    for (const row of page) hash.update(`\n${row.line ?? ''}|${row.reference}|${row.phone}|${row.amountMinor}|${row.currency}`);
    afterLine = page.at(-1)?.line ?? afterLine;
  }
  return hash.digest('hex');
}

/** The batch's planner, as the database recorded the batch's creation (the event's actor, not a column a client wrote). */
/**
 * Who planned a batch: the actor of its hash-chained creation event. A batch without one was not planned
 * through airtime (its row was written by hand, naming whoever it liked): it has no planner anyone can trust.
 */
function plannerOf(batch: Batch, events: readonly EventRecord[]): { planner: string; orphan: boolean } {
  const created = events.find((event) => event.kind === 'batch-created');
  return { planner: created?.actor ?? batch.createdBy, orphan: created === undefined };
}

export async function loadPolicy(journal: Journal): Promise<ApprovalPolicy> {
  return readPolicy(await journal.policy());
}

/**
 * What a batch pays, for the threshold: per currency the largest of its recorded totals, the totals its
 * hash-chained creation event recorded, and the sum of its journaled rows — so lowering any one of them
 * behind airtime's back (an UPDATE of `batches.totals`) does not take a batch under the threshold.
 */
async function batchTotals(journal: Journal, batch: Batch, events: readonly EventRecord[]): Promise<Readonly<Record<string, number>>> {
  const created = events.find((event) => event.kind === 'batch-created');
  const chained = (created?.payload as { totals?: Record<string, number> } | null)?.totals ?? {};
  const largest: Record<string, number> = {};
  for (const totals of [batch.totals, chained, (await journal.tally(batch.id)).totals]) {
    for (const [currency, minor] of Object.entries(totals)) largest[currency] = Math.max(largest[currency] ?? 0, minor);
  }
  return largest;
}

/**
 * Who rejected a batch and why, from its hash-chained `batch-rejected` event (not the state column alone,
 * which a hand edit could flip back); undefined when it was not rejected. A rejection is final.
 */
export async function rejectionOf(journal: Journal, batchId: string): Promise<{ by: string; note: string } | undefined> {
  const event = (await journal.batchEvents(batchId)).find((candidate) => candidate.kind === 'batch-rejected');
  if (!event) return undefined;
  const payload = (event.payload ?? {}) as { by?: unknown; note?: unknown };
  return { by: typeof payload.by === 'string' ? payload.by : event.actor, note: typeof payload.note === 'string' ? payload.note : '' };
}

export async function approvalState(journal: Journal, batch: Batch, policy?: ApprovalPolicy): Promise<ApprovalState> {
  const rules = policy ?? (await loadPolicy(journal));
  const events = await journal.batchEvents(batch.id);
  return stateOf(journal, batch, rules, events, await batchTotals(journal, batch, events));
}

async function stateOf(
  journal: Journal,
  batch: Batch,
  rules: ApprovalPolicy,
  events: readonly EventRecord[],
  totals: Readonly<Record<string, number>>,
): Promise<ApprovalState> {
  const hash = await planHash(journal, batch);
  const { planner, orphan } = plannerOf(batch, events);
  const candidates = [
    ...new Set(
      events
        .filter((event) => event.kind === approvalKind && (event.payload as { planHash?: unknown } | null)?.planHash === hash && event.actor !== planner)
        .map((event) => event.actor),
    ),
  ];
  // A group role (airtime_operator, …) is nobody in particular: it never approves, and a batch it planned
  // (journaled before PostgreSQL migration 4 refused such writers) has no planner to tell apart from its approvers.
  const groups = await journal.groupRoles([planner, ...candidates]);
  const approvers = orphan || groups.has(planner) ? [] : candidates.filter((actor) => !groups.has(actor));
  const required = approvalsNeeded(rules, totals);
  const rejected = batch.state === 'rejected' || events.some((event) => event.kind === 'batch-rejected');
  return {
    batchId: batch.id,
    required,
    planHash: hash,
    planner,
    approvers,
    rejected,
    orphan,
    satisfied: !rejected && approvers.length >= required,
    reason: describeExcess(rules, totals),
  };
}

/**
 * The gate's approval step: undefined when the plan may go (below the threshold, or approved as it stands);
 * otherwise what is missing. A plan not journaled yet cannot have approvals: it must be journaled first.
 */
export async function pendingApproval(journal: Journal, plan: Plan, planTotals: Readonly<Record<string, number>>): Promise<PendingApproval | undefined> {
  const policy = await loadPolicy(journal);
  // Most journals have no policy: nothing to read or hash then.
  if (policy.count <= 0 || Object.keys(policy.above).length === 0) return undefined;
  const batch = plan.batch && !plan.batch.isNew ? await journal.batch(plan.batch.id) : undefined;
  if (!batch) {
    const required = approvalsNeeded(policy, planTotals);
    return required ? { state: undefined, required, reason: describeExcess(policy, planTotals) } : undefined;
  }
  const events = await journal.batchEvents(batch.id);
  const totals = await batchTotals(journal, batch, events);
  // Below the threshold: no need to hash every row.
  if (approvalsNeeded(policy, totals) === 0) return undefined;
  const state = await stateOf(journal, batch, policy, events, totals);
  if (state.required === 0 || state.satisfied) return undefined;
  return { state, required: state.required, reason: state.reason };
}

/** Marks a journaled batch as waiting for approval (once), with the plan hash approvals must name. */
export async function markAwaitingApproval(journal: Journal, batch: Batch): Promise<ApprovalState> {
  const state = await approvalState(journal, batch);
  if (batch.state !== 'awaiting-approval' && !state.rejected) {
    await journal.setBatchState(batch.id, 'awaiting-approval', { planHash: state.planHash, required: state.required, reason: state.reason });
  }
  return state;
}

/**
 * Records the current operator's approval of the batch's plan as it stands. The planner may not approve
 * their own batch; a rejected or incomplete batch cannot be approved. Returns the state after it.
 */
export async function approveBatch(journal: Journal, batch: Batch, note: string | undefined): Promise<{ state: ApprovalState; recorded: boolean }> {
  const me = await journal.whoami();
  const before = await approvalState(journal, batch);
  if (before.orphan) {
    throw failedError(
      `batch ${batch.id} has no creation event in the audit chain: it was not planned through airtime (its row was written outside it, naming ${before.planner}), so nobody can tell who planned it and it cannot be approved`,
      `reject it (airtime reject ${batch.id} --note …) and plan the file again`,
    );
  }
  if (before.rejected) throw failedError(`batch ${batch.id} was rejected: it cannot be approved; a new run of its file needs a new batch`);
  if (!batch.complete) throw failedError(`batch ${batch.id} is not wholly journaled yet: its planner must run 'airtime bulk ${batch.fileName}' again first`);
  if (before.planner === me) {
    throw failedError(`you (${me}) planned batch ${batch.id}: another operator must approve it`, 'four eyes: the planner cannot approve their own batch');
  }
  if ((await journal.groupRoles([before.planner])).size) {
    throw failedError(
      `batch ${batch.id} was planned under the group role ${before.planner}, not by a person: nobody can tell its planner from its approvers, so it cannot be approved`,
      'reject it (airtime reject B --note …) and plan the file again as yourself',
    );
  }
  const recorded = await journal.recordEvent({
    batchId: batch.id,
    kind: approvalKind,
    payload: { planHash: before.planHash, note: note ?? null, required: before.required },
    // One approval per operator per plan: approving twice is recorded once.
    dedupeKey: `approval:${batch.id}:${before.planHash}:${me}`,
  });
  const state = await approvalState(journal, batch);
  if (state.satisfied && state.required > 0 && batch.state !== 'approved') await journal.setBatchState(batch.id, 'approved', { planHash: state.planHash });
  return { state, recorded };
}

/**
 * A single send above the threshold is journaled as a one-row batch (named "send <key>"), so that it is
 * approved, rejected, audited and resumed exactly like a file: `airtime approve B`, then the same `send`
 * with its `--key` (or `airtime bulk --resume B`). The same key for the same transfer is the same batch.
 */
export async function journalSendForApproval(journal: Journal, account: Account, transfer: NewTransfer, existing: Transfer | undefined): Promise<Batch> {
  const row = { phone: transfer.phone, amountMinor: transfer.amountMinor, currency: transfer.currency, reference: transfer.reference };
  const content = new ContentFingerprint();
  content.add(row);
  const fingerprint = content.digest();
  const id = batchIdFor(account.id, fingerprint);
  await journal.ensureAccount(account);
  const { batch } = await journal.createBatch({
    id,
    account: account.id,
    provider: transfer.provider,
    profile: transfer.profile,
    fileName: `send ${transfer.reference}`,
    filePath: null,
    fileHash: createHash('sha256').update(JSON.stringify(row)).digest('hex'),
    fingerprint,
    rows: 1,
    fileRows: 1,
    invalid: 0,
    totals: { [transfer.currency]: transfer.amountMinor },
  });
  if (existing && existing.batchId === null) {
    if (!(await journal.adoptIntoBatch(batch.id, existing.id, 1)))
      throw failedError(`transfer ${transfer.reference} changed meanwhile: run the same command again`);
  } else if (!existing) {
    const { transfer: stored } = await journal.createTransfer({ ...transfer, batchId: batch.id, line: 1 });
    if (stored.batchId !== batch.id) throw failedError(`key ${transfer.reference} was journaled meanwhile by another run: run the same command again`);
  }
  if (!(await journal.completeBatch(batch.id)))
    throw failedError(`batch ${batch.id} could not be journaled whole: nothing was sent; run the same command again`);
  return (await journal.batch(batch.id)) ?? batch;
}

/** Cancels every queued row of a batch (cause `cancel`) and marks it rejected, with who and why. Returns how many rows were cancelled. */
export async function rejectBatch(journal: Journal, batch: Batch, note: string): Promise<number> {
  const by = await journal.whoami();
  return journal.atomically(async (inner) => {
    const queued = await inner.batchPage(batch.id, ['queued'], 0, Number.MAX_SAFE_INTEGER);
    const results = await inner.observeMany(
      queued.map((transfer) => ({
        id: transfer.id,
        observation: { kind: 'reject', cause: 'cancel', status: 'cancelled', error: `rejected by ${by}: ${note}`, note, payload: { by, note } } as const,
      })),
    );
    await inner.setBatchState(batch.id, 'rejected', { by, note, cancelled: queued.length });
    return results.filter((result) => result?.outcome === 'moved').length;
  });
}
