import { describeAccount } from '../core/account.js';
import { formatMinor } from '../core/money.js';
import type { BalanceLine, GateView, Plan } from '../transfers/gate.js';
import type { LargeRun } from '../config/settings.js';
import { confirmPlan } from './confirm.js';
import { formatAmount, formatMoney, formatTime, formatTotals, plural } from './format.js';
import type { IO } from './io.js';
import { safeText } from './safe-text.js';

/** The plan's money as JSON: amounts as decimal strings, per currency. */
export function planJson(plan: Plan, balances?: readonly BalanceLine[]) {
  const decimal = (totals: Readonly<Record<string, number>>) =>
    Object.fromEntries(Object.entries(totals).map(([currency, minor]) => [currency, formatMinor(minor, currency)]));
  return {
    account: plan.account.id,
    provider: plan.account.provider,
    profile: plan.account.profile,
    sendNow: { rows: plan.sendNow.rows, totals: decimal(plan.sendNow.totals) },
    askFirst: { rows: plan.askFirst.rows, totals: decimal(plan.askFirst.totals) },
    done: plan.done,
    repeats: {
      count: plan.repeats.count,
      skipped: plan.repeats.skipped,
      windowDays: Math.round(plan.repeats.windowMs / 86_400_000),
      matches: plan.repeats.matches.map((match) => ({
        phone: match.phone,
        amount: formatMinor(match.amountMinor, match.currency),
        currency: match.currency,
        line: match.line,
        earlier: match.earlier
          ? {
              reference: match.earlier.reference,
              batch: match.earlier.batchId,
              line: match.earlier.line,
              status: match.earlier.status,
              at: match.earlier.lastAttemptAt,
            }
          : null,
      })),
    },
    ...(balances
      ? {
          balances: balances.map((line) => ({
            currency: line.currency,
            before: formatMinor(line.before, line.currency),
            after: formatMinor(line.after, line.currency),
          })),
        }
      : {}),
  };
}

/** The plan in lines for a person. */
export function planLines(plan: Plan, balances: readonly BalanceLine[] | undefined, grouped = false): string[] {
  const money = (totals: Readonly<Record<string, number>>) => formatTotals(totals, grouped, ', ');
  const lines = [`plan for ${plan.subject} · ${describeAccount(plan.account)}`];
  lines.push(`  send now: ${plural(plan.sendNow.rows, 'row', grouped)}, ${money(plan.sendNow.totals)}`);
  if (plan.askFirst.rows) {
    lines.push(
      `  ask first: ${plural(plan.askFirst.rows, 'row', grouped)}, ${money(plan.askFirst.totals)} — in flight when an earlier run stopped; asked about first, resent only where the provider deduplicates our key and has no record of it`,
    );
  }
  const done = Object.entries(plan.done).filter(([, count]) => count);
  if (done.length) lines.push(`  already: ${done.map(([state, count]) => `${count} ${state}`).join(', ')}`);
  if (plan.batch?.alreadySent)
    lines.push(
      `  ${plural(plan.batch.alreadySent, 'row', grouped)} carr${plan.batch.alreadySent === 1 ? 'ies' : 'y'} references an earlier batch already holds (sent, or waiting there): this batch does not send them`,
    );
  if (plan.repeats.skipped)
    lines.push(
      `  left out: ${plural(plan.repeats.skipped, 'row', grouped)} that repeat${plan.repeats.skipped === 1 ? 's' : ''} a recent payment (--skip-repeats)`,
    );
  if (plan.repeats.count) {
    lines.push(
      `  repeats: ${plural(plan.repeats.count, 'row', grouped)} pay${plan.repeats.count === 1 ? 's' : ''} a phone the same amount it was paid in the last ${Math.round(plan.repeats.windowMs / 86_400_000)} days:`,
    );
    for (const match of plan.repeats.matches) {
      const earlier = match.earlier;
      const where = earlier
        ? `${earlier.batchId ? `batch ${earlier.batchId} line ${earlier.line ?? '?'}` : `send ${earlier.reference}`}, ${earlier.status}, ${earlier.lastAttemptAt ? formatTime(earlier.lastAttemptAt) : '?'}`
        : 'an earlier payment';
      lines.push(`    ${match.line ? `line ${match.line}: ` : ''}${match.phone} ${formatMoney(match.amountMinor, match.currency, grouped)} — ${where}`);
    }
    if (plan.repeats.count > plan.repeats.matches.length) lines.push(`    … and ${plan.repeats.count - plan.repeats.matches.length} more`);
  }
  for (const line of balances ?? []) {
    lines.push(
      `  balance ${line.currency}: ${formatAmount(line.before, line.currency, grouped)} now, ${formatAmount(line.after, line.currency, grouped)} after this run`,
    );
  }
  return lines.map(safeText);
}

/**
 * The gate's face on a terminal or a pipe: the plan on stderr (on stdout for a dry run, where the plan is
 * the result), the question through the prompt — or, with no terminal, an error naming `--yes`.
 */
export function gateView(io: IO, options: { dryRun?: boolean | undefined; largeRun: LargeRun }): GateView {
  return {
    showPlan(plan, balances) {
      // With --json the plan is part of the command's JSON result instead.
      if (io.json) return;
      const write = options.dryRun ? (text: string) => io.out(text) : (text: string) => io.err(text);
      for (const line of planLines(plan, balances, options.dryRun ? io.stdoutIsTTY : io.stderrIsTTY)) write(line);
    },
    confirm: (question, plan) => confirmPlan(io, question, plan, options.largeRun),
    warn: (text) => io.err(`note: ${text}`),
  };
}
