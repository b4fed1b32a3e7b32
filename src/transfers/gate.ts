import { describeAccount, type Account } from '../core/account.js';
import { AirtimeError, ExitCode, failedError, usageError } from '../core/errors.js';
import { formatMinor, parseAmount, requireCurrency } from '../core/money.js';
import type { TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import type { RepeatGuard } from '../journal/journal.js';
import type { Balance } from '../providers/provider.js';
import { pendingApproval, rejectionOf, type PendingApproval } from './approvals.js';
import type { AppContext } from './context.js';
import type { RepeatMatch } from './repeats.js';

/** Rows and money per currency (minor units). */
export interface PlanLine {
  readonly rows: number;
  readonly totals: Readonly<Record<string, number>>;
}

/**
 * What would happen if money moved now, computed from the journal (or, for a file not yet journaled, from
 * its validation): rows to send now, rows to ask about first (in flight when an earlier run stopped: they
 * are resent only on proof that the provider never got them), rows already done.
 */
export interface Plan {
  /** "batch b_… (payouts.csv)" or "transfer tx_…", for messages. */
  readonly subject: string;
  readonly account: Account;
  readonly batch?: {
    readonly id: string;
    readonly fileName: string;
    readonly fileRows: number;
    readonly invalid: number;
    /** Valid rows of the file that earlier batches already hold (same reference): not sent again. */
    readonly alreadySent: number;
    readonly isNew: boolean;
  };
  readonly sendNow: PlanLine;
  readonly askFirst: PlanLine;
  readonly done: Readonly<Partial<Record<TransferState, number>>>;
  readonly repeats: { readonly count: number; readonly skipped: number; readonly matches: readonly RepeatMatch[]; readonly windowMs: number };
}

/** What the user said: the flags that answer the gate's questions. */
export interface ConsentRequest {
  readonly dryRun?: boolean | undefined;
  readonly yes?: boolean | undefined;
  /** "5000 KES", "5000 KES, 300000 UGX", or a bare "5000" for a single-currency run. */
  readonly maxTotal?: string | undefined;
  readonly allowRepeats?: boolean | undefined;
}

/** How the gate shows a plan and asks: the command's UI, so that the money module never prints. */
export interface GateView {
  showPlan(plan: Plan, balances: readonly BalanceLine[] | undefined): void;
  /** Asks on a terminal; throws a usage error naming `--yes` where there is none. */
  confirm(question: string, plan: Plan): Promise<boolean>;
  /** A line for the person (stderr), e.g. what a dry run's real run would refuse. */
  warn?(text: string): void;
}

export interface BalanceLine {
  readonly currency: string;
  readonly before: number;
  readonly after: number;
}

/** Proof that a plan passed the gate. Dispatch refuses anything else. */
export class Consent {
  private constructor(
    readonly plan: Plan,
    readonly at: string,
    /** The repeat guard as consented, re-checked as each row is claimed; undefined with --allow-repeats. */
    readonly repeatGuard: RepeatGuard | undefined,
  ) {}

  /** @internal Only the gate grants consent. */
  static grantedBy(gate: typeof granted, plan: Plan, request: ConsentRequest): Consent {
    const guard =
      request.allowRepeats || plan.repeats.windowMs <= 0 ? undefined : { windowMs: plan.repeats.windowMs, sandbox: plan.account.provider === 'sandbox' };
    const consent = new Consent(plan, new Date().toISOString(), guard);
    gate.add(consent);
    return consent;
  }
}

const granted = new WeakSet<Consent>();

/** Throws unless `consent` came from `passGate`. */
export function assertConsent(consent: Consent): void {
  if (!granted.has(consent)) throw new Error('money can only move with a consent granted by the gate');
}

export type GateResult =
  | { readonly kind: 'consent'; readonly consent: Consent }
  /** `exitCode`: the real run's, so that a script using the dry run as a gate stops where the run would (issue 23). */
  | { readonly kind: 'dry-run'; readonly exitCode: ExitCode }
  | { readonly kind: 'nothing' }
  /** Above the journal's approval threshold and not (yet) approved as it stands: journal it, send nothing. */
  | { readonly kind: 'awaiting-approval'; readonly approval: PendingApproval };

export function planTotal(plan: Plan): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of [plan.sendNow, plan.askFirst]) {
    for (const [currency, minor] of Object.entries(line.totals)) totals[currency] = (totals[currency] ?? 0) + minor;
  }
  return totals;
}

/**
 * The one gate money leaves through. Every entry — a new file, the same file again, `--resume`, `send` —
 * builds a plan and passes it here: dry-run prints it and stops; repeats, `--max-total` and the balance
 * are checked; a plan above the approval policy's threshold waits for other operators' approval; a terminal
 * asks, and without one `--yes` is required. Only then is a `Consent` granted.
 */
export async function passGate(context: AppContext, plan: Plan, request: ConsentRequest, view: GateView): Promise<GateResult> {
  const worstCase = planTotal(plan);
  const caps = request.maxTotal === undefined ? undefined : parseMaxTotal(request.maxTotal, Object.keys(worstCase));
  const moving = plan.sendNow.rows + plan.askFirst.rows > 0;
  const balances = moving && !request.dryRun ? await balanceLines(context, plan, worstCase) : undefined;
  view.showPlan(plan, balances);
  // A rejected batch is never sent; its rows were cancelled, so without this it would look merely done.
  const rejected = plan.batch && !plan.batch.isNew ? await rejectionOf(context.journal, plan.batch.id) : undefined;
  const rejectedError = rejected
    ? failedError(
        `${plan.subject} was rejected by ${rejected.by}${rejected.note ? ` ("${rejected.note}")` : ''}: it is never sent; nothing was sent`,
        'to pay these people after all, plan a new batch (a file with the corrections, or under another profile)',
      )
    : undefined;
  if (request.dryRun) {
    // A dry run predicts: what the real run would refuse, or hold for approval, is said (the balance is not asked for a dry run).
    const refused = rejectedError ?? (moving ? refusal(plan, request, worstCase, caps) : undefined);
    let exitCode: ExitCode = ExitCode.ok;
    if (refused) {
      view.warn?.(`the real run would refuse: ${refused.message.replace(/: nothing was sent$/, '')}`);
      exitCode = refused.exitCode;
    } else if (moving) {
      const approval = await pendingApproval(context.journal, plan, worstCase);
      if (approval) {
        const have = approval.state?.approvers.length ?? 0;
        view.warn?.(
          `the real run would journal it and wait for approval (${approval.reason}): ${approval.required - have} more operator${approval.required - have === 1 ? '' : 's'} other than its planner must then run 'airtime approve ${plan.batch?.id ?? '<the batch it names>'}'`,
        );
        exitCode = ExitCode.partial; // the real run journals it and exits 5, nothing sent
      }
    }
    return { kind: 'dry-run', exitCode };
  }
  if (rejectedError) throw rejectedError;
  if (!moving) return { kind: 'nothing' };

  const refused = refusal(plan, request, worstCase, caps);
  if (refused) throw refused;
  for (const line of balances ?? []) {
    if (line.after < 0) {
      throw failedError(
        `insufficient balance: ${describeAccount(plan.account)} holds ${formatMinor(line.before, line.currency)} ${line.currency} but this run needs ` +
          `${formatMinor(line.before - line.after, line.currency)} ${line.currency}; nothing was sent`,
      );
    }
  }
  // Four eyes (transfers/approvals.ts): a plan above the policy's threshold goes only once other operators approved it as it stands.
  const approval = await pendingApproval(context.journal, plan, worstCase);
  if (approval) return { kind: 'awaiting-approval', approval };
  if (!request.yes) {
    const question = `Pay ${describePlan(plan)} through ${describeAccount(plan.account)}?`;
    if (!(await view.confirm(question, plan))) throw new AirtimeError('cancelled', 'cancelled: nothing was sent');
  }
  return { kind: 'consent', consent: Consent.grantedBy(granted, plan, request) };
}

/** The first guard this plan fails (repeats, --max-total and its currencies), before the balance; undefined when none. */
function refusal(
  plan: Plan,
  request: ConsentRequest,
  worstCase: Readonly<Record<string, number>>,
  caps: Map<string, number> | undefined,
): AirtimeError | undefined {
  if (plan.repeats.count > 0 && !request.allowRepeats) {
    return failedError(
      `${plan.repeats.count} row${plan.repeats.count === 1 ? '' : 's'} repeat${plan.repeats.count === 1 ? 's' : ''} a payment of the last ${Math.round(plan.repeats.windowMs / 86_400_000)} days (listed above): nothing was sent`,
      plan.batch ? 'pay them anyway with --allow-repeats, or leave them out with --skip-repeats' : 'pay it anyway with --allow-repeats',
    );
  }
  for (const [currency, cap] of caps ?? []) {
    const total = worstCase[currency] ?? 0;
    if (total > cap) {
      return failedError(
        `the run's total ${formatMinor(total, currency)} ${currency} is above --max-total ${formatMinor(cap, currency)} ${currency}: nothing was sent`,
      );
    }
  }
  for (const [currency, total] of Object.entries(worstCase)) {
    // A cap fails closed: a currency it does not name is not "uncapped".
    if (caps && total > 0 && !caps.has(currency)) {
      return usageError(
        `--max-total "${request.maxTotal ?? ''}" sets no cap for ${currency}, which this run pays (${formatMinor(total, currency)} ${currency}): nothing was sent`,
        `give a cap per currency, e.g. --max-total "${[...caps.keys(), currency].map((name) => `<amount> ${name}`).join(', ')}"`,
      );
    }
  }
  return undefined;
}

/** "12 rows (1,400.50 KES + 5000 UGX)", with the rows to ask about first when there are any. */
export function describePlan(plan: Plan): string {
  const money = (totals: Readonly<Record<string, number>>) =>
    Object.entries(totals)
      .map(([currency, minor]) => `${formatMinor(minor, currency)} ${currency}`)
      .join(' + ') || 'nothing';
  const rows = (count: number) => `${count} row${count === 1 ? '' : 's'}`;
  const now = `${rows(plan.sendNow.rows)} (${money(plan.sendNow.totals)})`;
  return plan.askFirst.rows
    ? `${now}, and up to ${rows(plan.askFirst.rows)} (${money(plan.askFirst.totals)}) an earlier run left in flight if the provider never got them`
    : now;
}

async function balanceLines(context: AppContext, plan: Plan, totals: Record<string, number>): Promise<BalanceLine[] | undefined> {
  const { provider } = await context.providerFor({ account: plan.account.id, provider: plan.account.provider as ProviderName, profile: plan.account.profile });
  if (!provider.capabilities.balance) return undefined;
  let balances: Balance[];
  try {
    balances = await provider.balance();
  } catch (error) {
    if (error instanceof AirtimeError && error.kind === 'config') throw error;
    throw failedError(`cannot check the balance before paying (${error instanceof Error ? error.message : String(error)}): nothing was sent; try again`);
  }
  const lines: BalanceLine[] = [];
  for (const [currency, minor] of Object.entries(totals)) {
    const balance = balances.find((entry) => entry.currency === currency);
    if (balance) lines.push({ currency, before: balance.minor, after: balance.minor - minor });
  }
  return lines;
}

/** `--max-total`: "5000 KES" per currency (several separated by commas); a bare number only for a single-currency run. */
export function parseMaxTotal(text: string, currencies: readonly string[]): Map<string, number> {
  const caps = new Map<string, number>();
  // A comma between a digit and three more digits groups thousands ("1,000 KES"), as in `policy set`; any other
  // comma separates currencies (hostile test: "1,000 KES" was read as 1 and 000, a cap of 0.00 KES).
  for (const part of text
    .split(/(?<!\d),|,(?!\d{3}(?:\D|$))/)
    .map((item) => item.trim())
    .filter(Boolean)) {
    const match = /^([\d.,]+)\s*([A-Za-z]{3})?$|^([A-Za-z]{3})\s*([\d.,]+)$/.exec(part);
    const amount = match?.[1] ?? match?.[4];
    let currency = (match?.[2] ?? match?.[3])?.toUpperCase();
    if (!amount) throw usageError(`--max-total "${text}" is not an amount: give e.g. "5000 KES"`);
    if (!currency) {
      const [only] = currencies;
      if (currencies.length !== 1 || only === undefined) {
        throw usageError(
          `--max-total "${text}" has no currency and this run pays ${currencies.length ? currencies.join(' and ') : 'nothing'}: give one per currency, e.g. "5000 KES"`,
        );
      }
      currency = only;
    }
    caps.set(currency, parseCap(text, amount, currency));
  }
  return caps;
}

/** One currency's cap in minor units; 0 is a cap too (nothing may be paid in it). */
function parseCap(text: string, amount: string, currency: string): number {
  if (/^0+(?:[.,]0*)?$/.test(amount)) return 0;
  try {
    // Read as the tool writes money (and as `policy set` reads it): "1,000.50" is a thousand and a half.
    return parseAmount(amount, requireCurrency(currency), { minMinor: null, maxMinor: null, decimalMark: '.' }).minor;
  } catch (error) {
    throw usageError(`--max-total "${text}": ${error instanceof Error ? error.message : String(error)}`, 'give e.g. "5000 KES"');
  }
}
