import { isFinal } from '../core/transfer-state.js';
import { failpoint } from '../failpoints.js';
import type { Transfer } from '../journal/transfer.js';
import type { NotFoundScope, Provider } from '../providers/provider.js';
import { queryStatuses } from '../providers/status-many.js';
import { groupByAccount, type AppContext } from './context.js';
import { scrub, type PendingObservation } from './outcomes.js';
import { ageMs, askableAtMs, insideWindow, resendPolicy, type ResendPolicy } from './resend-policy.js';

export interface Unresolved {
  transfer: Transfer;
  reason: string;
  /**
   * When asking again can tell more: the provider had no record yet, inside the settle delay after the last
   * attempt. Absent: asking again now may tell (an error, in progress) or nothing will (`needsOperator`).
   */
  askAgainAtMs?: number;
  /** No status query can settle it (no lookup by our key, or "not found" that proves nothing): a callback or an operator must. */
  needsOperator?: boolean;
}

export interface ReconcileReport {
  /** Moved to a final state (delivered, failed, reversed) by this answer. */
  resolved: number;
  /** Asked and still in progress at the provider (submitted): nothing changed (issue 23: they were counted as resolved). */
  inProgress: number;
  requeued: number;
  unresolved: Unresolved[];
}

export interface ReconcileOptions {
  readonly concurrency?: number;
  /** The event kind: `reconcile` or `status`. */
  readonly kind?: string;
  /** Whether a proven "never arrived" may put transfers back to `queued` (waiting only asks). */
  readonly requeue?: boolean;
  /**
   * A bulk run, under its consent, about to send: Africa's Talking requests whose answer was never recorded
   * may be queued to be resent at once as the identical request inside AT's window (resend-policy.ts).
   * `reconcile` and `status` never do.
   */
  readonly resendInWindow?: boolean;
}

/**
 * Resolves transfers in `sending`, `submitted` or `unknown` by asking each one's own account — never by
 * sending under a new key. A transfer goes back to `queued` only where "not found" is an answer
 * (resend-policy.ts, rule `same-key`): the provider documents that it deduplicates our key and can be asked
 * about it, does not know it, and the settle delay has passed. Even then it stays possibly paid for the
 * repeat guard (`possiblyTaken`) until its resend is answered. Everything else stays `unknown`, with what
 * the operator can check and, inside the settle delay, when it can be asked about.
 */
export async function reconcileTransfers(context: AppContext, transfers: readonly Transfer[], options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { resolved: 0, inProgress: 0, requeued: 0, unresolved: [] };
  const kind = options.kind ?? 'reconcile';

  for (const group of groupByAccount(transfers)) {
    const first = group[0] as Transfer;
    let provider: Provider;
    try {
      provider = (await context.providerFor(first)).provider;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const transfer of group) report.unresolved.push({ transfer, reason });
      continue;
    }
    const policy = resendPolicy(provider.name);
    let outcomes: Awaited<ReturnType<typeof queryStatuses>>;
    try {
      // One query per transfer, or one per request where the adapter groups them (Lipad).
      outcomes = await queryStatuses(provider, group, options.concurrency ?? 4);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      for (const transfer of group) report.unresolved.push({ transfer, reason });
      continue;
    }
    const writes: PendingObservation[] = [];
    const notFound = new Map<number, NotFoundScope>();
    const notFoundReasons = new Map<number, string>();
    group.forEach((transfer, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined || outcome.status === 'unanswered') {
        report.unresolved.push({ transfer, reason: outcome?.error.message ?? 'no answer' });
        return;
      }
      if (outcome.status === 'not-found') {
        notFound.set(transfer.id, outcome.scope);
        return;
      }
      writes.push({
        id: transfer.id,
        observation: {
          kind,
          cause: 'answer',
          status: outcome.status,
          providerReference: outcome.providerReference ?? null,
          error: outcome.error ?? null,
          note: outcome.note ?? null,
          payload: scrub(context.secrets, outcome.payload),
          delivered: outcome.delivered,
        },
      });
    });

    const requeue = options.requeue === false ? new Set<number>() : await provable(context, policy, group, notFound, options.resendInWindow === true);
    const waiting = new Map<number, Omit<Unresolved, 'transfer' | 'reason'>>();
    for (const transfer of group) {
      const scope = notFound.get(transfer.id);
      if (scope === undefined) continue;
      if (requeue.has(transfer.id)) {
        writes.push({
          id: transfer.id,
          observation: {
            kind,
            cause: 'requeue',
            status: 'queued',
            keepRequestReference: policy.rule !== 'same-key',
            error:
              policy.rule === 'same-key'
                ? `not sent: ${provider.name} has no record of it; it is resent under the same key, which ${provider.name} deduplicates`
                : `no answer was recorded: resent at once as the identical request under the same Idempotency-Key, inside ${provider.name}'s duplicate window`,
          },
        });
        continue;
      }
      const settled = ageMs(transfer.lastAttemptAt) >= policy.settleMs;
      waiting.set(transfer.id, settled || !transfer.lastAttemptAt ? { needsOperator: true } : { askAgainAtMs: askableAtMs(policy, transfer.lastAttemptAt) });
      const reason = stillUnknownReason(provider, policy, transfer, scope);
      notFoundReasons.set(transfer.id, reason);
      writes.push({
        id: transfer.id,
        observation: { kind, cause: 'answer', status: transfer.status === 'submitted' ? 'submitted' : 'unknown', error: reason },
      });
    }

    // Written in slices, so that the reliability suite can crash in the middle of a reconcile.
    const results: Awaited<ReturnType<typeof context.journal.observeMany>> = [];
    for (let start = 0; start < writes.length; start += 50) {
      results.push(...(await context.journal.observeMany(writes.slice(start, start + 50))));
      failpoint('during-reconcile');
    }
    results.forEach((result, index) => {
      const write = writes[index] as PendingObservation;
      const after = result?.transfer;
      if (!after) return;
      if (write.observation.cause === 'requeue' && after.status === 'queued') report.requeued += 1;
      else if (after.status === 'unknown' || after.status === 'sending' || (notFound.has(write.id) && !isFinal(after.status))) {
        const scope = notFound.get(write.id);
        const reason = notFoundReasons.get(write.id) ?? (scope ? stillUnknownReason(provider, policy, after, scope) : after.error);
        report.unresolved.push({ transfer: after, reason: reason ?? `${provider.name} still reports it in progress`, ...waiting.get(after.id) });
      } else if (isFinal(after.status)) report.resolved += 1;
      else report.inProgress += 1;
    });
  }
  return report;
}

/**
 * The transfers whose "not found" allows a resend: where the provider deduplicates on our key and can be
 * asked about it by that key (rule `same-key`), the whole request unknown to it, after the settle delay.
 * For Africa's Talking (`same-request-in-window`), only when a bulk run asks (`resendInWindow`): every member
 * of the request open, never answered (no requestId), attempted once, settled, and inside the window of its
 * first attempt — the identical resend is then the first transfer or a refused duplicate. Nowhere else.
 */
async function provable(
  context: AppContext,
  policy: ResendPolicy,
  group: readonly Transfer[],
  notFound: ReadonlyMap<number, NotFoundScope>,
  resendInWindow: boolean,
): Promise<Set<number>> {
  const proven = new Set<number>();
  const settled = (transfer: Transfer) => transfer.lastAttemptAt !== null && ageMs(transfer.lastAttemptAt) >= policy.settleMs;
  if (policy.rule === 'same-key') {
    for (const transfer of group) if (notFound.get(transfer.id) === 'request' && settled(transfer)) proven.add(transfer.id);
    return proven;
  }
  if (policy.rule !== 'same-request-in-window' || !resendInWindow) return proven;
  const references = new Set(group.flatMap((transfer) => (notFound.has(transfer.id) && transfer.requestReference ? [transfer.requestReference] : [])));
  for (const requestReference of references) {
    const members = await context.journal.find({ account: group[0]?.account ?? '', requestReference });
    const whole = members.every(
      (member) =>
        (member.status === 'sending' || member.status === 'unknown') &&
        member.providerReference === null &&
        member.attempts === 1 &&
        notFound.has(member.id) &&
        settled(member) &&
        insideWindow(policy, member.firstAttemptAt),
    );
    if (whole && members.length > 0) for (const member of members) proven.add(member.id);
  }
  return proven;
}

function stillUnknownReason(provider: Provider, policy: ResendPolicy, transfer: Transfer, scope: NotFoundScope): string {
  if (provider.name === 'africastalking') {
    return transfer.providerReference
      ? `africastalking has no record of ${transfer.providerReference}`
      : "africastalking has no lookup by our key and no requestId was recorded, so 'no record' proves nothing: find the phone and amount in the AT dashboard's airtime transactions (or wait for its status callback), then record it with 'airtime resolve'";
  }
  if (transfer.lastAttemptAt && ageMs(transfer.lastAttemptAt) < policy.settleMs) {
    const at = new Date(askableAtMs(policy, transfer.lastAttemptAt));
    return `${provider.name} has no record of it yet; it may still be taking the request — it can be asked about from ${at.toISOString().slice(11, 19)} UTC (run the same command again with --wait)`;
  }
  if (policy.rule === 'never') {
    return scope === 'transfer'
      ? `${provider.name} knows request ${transfer.requestReference ?? '?'} but does not list this recipient: check the merchant portal, then record it with 'airtime resolve'`
      : `${provider.name} has no record of request ${transfer.requestReference ?? '?'}, which is not proof it was not taken (${provider.name} does not document that a repeated request is deduplicated, so it is never resent): ask again later, or check the portal and record it with 'airtime resolve'`;
  }
  // Each AIRTIME_HOME's embedded sandbox is its own: another operator's sends are not in it (team rehearsals use 'airtime sandbox serve').
  if (provider.name === 'sandbox') {
    return "this machine's embedded sandbox has no record of it: each operator's embedded sandbox is their own — rehearse a team on one shared simulator ('airtime sandbox serve')";
  }
  return `${provider.name} has no record of it`;
}
