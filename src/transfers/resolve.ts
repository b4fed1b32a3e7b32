import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import type { Provider, StatusAnswer } from '../providers/provider.js';
import { queryStatuses } from '../providers/status-many.js';
import { groupByAccount, type AppContext } from './context.js';
import { scrub } from './outcomes.js';
import { ageMs, resendPolicy, type ResendPolicy } from './resend-policy.js';

export type OperatorDecision = 'delivered' | 'failed' | 'not-sent';

const target: Record<OperatorDecision, TransferState> = { delivered: 'delivered', failed: 'failed', 'not-sent': 'queued' };

/**
 * What the transfer's own provider said when `resolve` asked it first:
 * - `paid`: delivered; `in-progress`: it has the request and no outcome yet (submitted, sending, unknown);
 * - `failed` / `reversed`: it has the request and says nobody kept the money;
 * - `no-record`: it does not know the request — `proof` when that provider deduplicates on our key, can be
 *   asked about that exact request, and the settle delay has passed (what reconcile requeues on);
 * - `no-answer`: it could not be asked (no lookup by our key, unreachable, an answer we could not read).
 */
export type ProviderWord =
  | { readonly kind: 'paid' | 'in-progress' | 'failed' | 'reversed'; readonly status: TransferState; readonly text: string; readonly payload?: unknown }
  | { readonly kind: 'no-record'; readonly proof: boolean; readonly text: string; readonly payload?: unknown }
  | { readonly kind: 'no-answer'; readonly text: string };

export interface ResolveOutcome {
  readonly transfer: Transfer;
  readonly applied: boolean;
  readonly reason: string | null;
  /** What the provider said when asked first. */
  readonly provider: ProviderWord;
  /** Recorded against the provider's word with `--override-provider`. */
  readonly overridden: boolean;
  /**
   * Whether the provider itself confirmed that nobody was paid (it said failed or reversed, or — for
   * `not-sent` — proved it never had the request). An unconfirmed `failed` or `not-sent` stays possibly
   * paid for the repeat guard (core/possibly-paid.ts).
   */
  readonly confirmed: boolean;
}

export interface ResolveOptions {
  /** Record the operator's word even where the provider's contradicts it; journaled as such. */
  readonly overrideProvider?: boolean | undefined;
  /** Called once the provider has been asked, before anything is written (e.g. to confirm a `not-sent`); false stops. */
  readonly confirm?: (verdicts: readonly Verdict[]) => Promise<void>;
}

export interface Verdict {
  readonly transfer: Transfer;
  readonly provider: ProviderWord;
  /** The provider's word contradicts the decision, or the resend it leads to may pay twice (refused unless overridden). */
  readonly contradicts: boolean;
  /** Why it is refused when it is: a resend that may pay twice, rather than the provider's word against it. */
  readonly mayPayTwice: boolean;
  readonly confirmed: boolean;
}

/**
 * Records what only the operator knows (e.g. after checking the provider's dashboard) as an event with who
 * and why — after asking each transfer's own account first. An operator's word never contradicts the
 * provider's (invariant 10): `failed` or `not-sent` on a transfer the provider says it paid or is paying
 * (and `delivered` on one it says failed, `not-sent` on one it has at all) is refused, unless
 * `overrideProvider` says the operator knows better — then the event is flagged `override` and keeps what
 * the provider said. A `failed` or `not-sent` the provider did not confirm stays possibly paid for the
 * repeat guard: a new send to the same phone and amount is held as a repeat. `not-sent` is the only way a
 * transfer that may have left becomes sendable again; it is sent afresh (a new request).
 */
export async function resolveTransfers(
  context: AppContext,
  transfers: readonly Transfer[],
  decision: OperatorDecision,
  note: string,
  options: ResolveOptions = {},
): Promise<ResolveOutcome[]> {
  const words = await askProviders(context, transfers);
  const verdicts: Verdict[] = transfers.map((transfer, index) => {
    const provider = words[index] ?? { kind: 'no-answer', text: 'not asked' };
    const confirmed = confirms(decision, provider);
    const mayPayTwice = resendMayPayTwice(decision, transfer, confirmed);
    return { transfer, provider, contradicts: contradicts(decision, provider) || mayPayTwice, mayPayTwice, confirmed };
  });
  const writable = verdicts.filter((verdict) => !verdict.contradicts || options.overrideProvider === true);
  if (writable.length) await options.confirm?.(writable);

  const by = await context.journal.whoami();
  const results = await context.journal.observeMany(
    writable.map(({ transfer, provider, contradicts: against, confirmed }) => ({
      id: transfer.id,
      observation: {
        kind: 'resolve',
        cause: 'operator',
        status: target[decision],
        error:
          decision === 'delivered'
            ? null
            : `${decision === 'failed' ? 'failed' : 'not sent'} (operator: ${note}${confirmed ? '' : `; ${unconfirmed(provider)}`})`,
        note,
        flags: [...(against ? ['override'] : []), ...(decision !== 'delivered' && !confirmed ? ['unconfirmed'] : [])],
        payload: {
          decision,
          note,
          by,
          provider: {
            said: provider.kind,
            text: provider.text,
            ...('payload' in provider && provider.payload !== undefined ? { payload: provider.payload } : {}),
          },
          ...(against ? { override: true } : {}),
          confirmed,
        },
        // Nobody's money is proven back: the repeat guard keeps counting it.
        unverifiedFailure: decision === 'failed' && !confirmed,
        unprovenRequeue: decision === 'not-sent' && !confirmed,
      },
    })),
  );
  const written = new Map(writable.map((verdict, index) => [verdict.transfer.id, results[index]]));
  return verdicts.map((verdict) => {
    const { transfer, provider } = verdict;
    if (!written.has(transfer.id)) {
      return {
        transfer,
        applied: false,
        reason: verdict.mayPayTwice
          ? `${provider.text}; ${transfer.provider} does not promise to take a resent request as the same one, so sending it again may pay twice: not marked not-sent (if its portal shows no such request, run again with --override-provider — journaled as an override)`
          : `${provider.text}: not marked ${decision} (record what it said with 'airtime status ${transfer.reference}'; if you know it is wrong, run again with --override-provider — journaled as an override)`,
        provider,
        overridden: false,
        confirmed: false,
      };
    }
    const result = written.get(transfer.id);
    const applied = result?.outcome === 'moved';
    return {
      transfer: result?.transfer ?? transfer,
      applied,
      reason: applied ? null : result?.outcome === 'same' ? `already ${transfer.status}` : `a ${transfer.status} transfer cannot be marked ${decision}`,
      provider,
      overridden: applied && verdict.contradicts,
      confirmed: verdict.confirmed,
    };
  });
}

function unconfirmed(word: ProviderWord): string {
  return word.kind === 'no-answer' ? `not confirmed by the provider: ${word.text}` : `not confirmed by the provider, which said: ${word.text}`;
}

/**
 * An unconfirmed "never sent" on a request that left, at a provider whose documents do not promise to take a
 * resend as the same request (Lipad, Africa's Talking: resend-policy.ts): the resend it leads to may pay twice
 * (DESIGN.md, invariant 9), so only an explicit, journaled override records it.
 */
function resendMayPayTwice(decision: OperatorDecision, transfer: Transfer, confirmed: boolean): boolean {
  return decision === 'not-sent' && !confirmed && transfer.attempts > 0 && resendPolicy(transfer.provider).rule !== 'same-key';
}

/** Whether the provider's word contradicts the operator's decision. */
function contradicts(decision: OperatorDecision, word: ProviderWord): boolean {
  switch (decision) {
    case 'failed':
      return word.kind === 'paid' || word.kind === 'in-progress';
    case 'not-sent':
      // Any record of the request is proof it arrived.
      return word.kind === 'paid' || word.kind === 'in-progress' || word.kind === 'failed' || word.kind === 'reversed';
    case 'delivered':
      return word.kind === 'failed' || word.kind === 'reversed';
  }
}

/** Whether the provider's word proves what the operator says about money that did not move. */
function confirms(decision: OperatorDecision, word: ProviderWord): boolean {
  if (decision === 'failed') return word.kind === 'failed' || word.kind === 'reversed';
  if (decision === 'not-sent') return word.kind === 'no-record' && word.proof;
  return true;
}

/** Each transfer's provider word, asking every account once for its transfers (as reconcile does). */
async function askProviders(context: AppContext, transfers: readonly Transfer[]): Promise<ProviderWord[]> {
  const words = new Map<number, ProviderWord>();
  for (const group of groupByAccount(transfers)) {
    const first = group[0] as Transfer;
    let provider: Provider;
    try {
      provider = (await context.providerFor(first)).provider;
    } catch (error) {
      for (const transfer of group) words.set(transfer.id, { kind: 'no-answer', text: `${first.provider} could not be asked (${message(error)})` });
      continue;
    }
    let answers: StatusAnswer[];
    try {
      answers = await queryStatuses(provider, group);
    } catch (error) {
      for (const transfer of group) words.set(transfer.id, { kind: 'no-answer', text: `${provider.name} could not be asked (${message(error)})` });
      continue;
    }
    const policy = resendPolicy(provider.name);
    group.forEach((transfer, index) => words.set(transfer.id, wordOf(context, provider, transfer, answers[index], policy)));
  }
  return transfers.map((transfer) => words.get(transfer.id) ?? { kind: 'no-answer', text: 'not asked' });
}

function wordOf(context: AppContext, provider: Provider, transfer: Transfer, answer: StatusAnswer | undefined, policy: ResendPolicy): ProviderWord {
  const name = provider.name;
  if (answer === undefined) return { kind: 'no-answer', text: `${name} did not answer` };
  if (answer.status === 'unanswered') return { kind: 'no-answer', text: `${name} could not be asked (${answer.error.message})` };
  if (answer.status === 'not-found') {
    const payload = scrub(context.secrets, answer.payload);
    // A provider that cannot be asked by our key (Africa's Talking without a recorded requestId): its "not found" is no answer at all.
    const { statusQuery } = provider.capabilities;
    if (statusQuery === 'none' || (statusQuery === 'by-provider-reference' && !transfer.providerReference)) {
      return {
        kind: 'no-answer',
        text: `${name} cannot be asked about it (no lookup by our key${statusQuery === 'none' ? '' : ' and no provider reference was recorded'})`,
      };
    }
    // Proof only where reconcile would take it as proof: a provider that deduplicates on our key, asked about that
    // exact request, after its settle delay (transfers/resend-policy.ts). Lipad's or AT's "no record" proves nothing.
    const proof = policy.rule === 'same-key' && answer.scope === 'request' && ageMs(transfer.lastAttemptAt) >= policy.settleMs;
    return {
      kind: 'no-record',
      proof,
      text: `${name} has no record of ${answer.scope === 'request' ? 'the request' : 'this recipient in its request'}`,
      payload,
    };
  }
  const payload = scrub(context.secrets, answer.payload);
  const ref = answer.providerReference ?? transfer.providerReference;
  const says = (what: string) => `${name} says ${what}${ref ? ` (${ref})` : ''}${answer.error ? `: ${answer.error}` : ''}`;
  switch (answer.status) {
    case 'delivered':
      return { kind: 'paid', status: answer.status, text: says('delivered'), payload };
    case 'submitted':
    case 'sending':
      return { kind: 'in-progress', status: answer.status, text: says('in progress'), payload };
    case 'failed':
      return { kind: 'failed', status: answer.status, text: says('failed'), payload };
    case 'reversed':
      return { kind: 'reversed', status: answer.status, text: says('reversed'), payload };
    case 'unknown':
      // It answered about the request — it has it — but not with an outcome (zw "Awaiting network confirmation"): money may still move.
      return { kind: 'in-progress', status: answer.status, text: says('it has the request, outcome not known yet'), payload };
    default:
      return { kind: 'no-answer', text: `${name} answered with nothing we could read as a status (${answer.status})` };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
