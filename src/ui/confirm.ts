import type { LargeRun } from '../config/settings.js';
import { AirtimeError, usageError } from '../core/errors.js';
import { parseAmount } from '../core/money.js';
import { planTotal, type Plan } from '../transfers/gate.js';
import { formatAmount, formatCount, formatTotals } from './format.js';
import type { IO } from './io.js';

function requireTerminal(io: IO, flag: string): void {
  if (!io.stdinIsTTY || !io.stderrIsTTY) throw usageError(`confirmation needed and no terminal to ask: run again with ${flag}`);
}

/** Ctrl-C at a prompt is a cancellation (130), whatever was asked. */
async function prompting<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new AirtimeError('cancelled', 'cancelled: nothing was done');
    }
    throw error;
  }
}

/**
 * Asks before money moves (or anything else that cannot be undone). Without a terminal there is nobody
 * to ask, so the command fails and names the flag that answers the question.
 */
export async function askConfirmation(io: IO, question: string, flag = '--yes'): Promise<boolean> {
  requireTerminal(io, flag);
  const { confirm } = await import('@inquirer/prompts');
  return prompting(() => confirm({ message: question, default: false }, { output: process.stderr }));
}

/** `askConfirmation`, where "no" cancels (exit 130). */
export async function confirmOrExit(io: IO, question: string, options: { yes?: boolean | undefined; flag?: string }): Promise<void> {
  if (options.yes) return;
  if (!(await askConfirmation(io, question, options.flag))) throw new AirtimeError('cancelled', 'cancelled: nothing was done');
}

export interface LargeRunCheck {
  readonly rows: number;
  readonly totals: Record<string, number>;
  /** `rows`, or the currency whose total is over its threshold. */
  readonly by: string;
}

/** What makes this plan large, if it is: more rows than the rule, or more money in some currency. */
export function largeBy(plan: Plan, rule: LargeRun): LargeRunCheck | undefined {
  const rows = plan.sendNow.rows + plan.askFirst.rows;
  const totals = planTotal(plan);
  if (rows > rule.rows) return { rows, totals, by: 'rows' };
  const currency = Object.keys(totals).find((code) => rule.totals[code] !== undefined && (totals[code] ?? 0) > (rule.totals[code] ?? 0));
  return currency === undefined ? undefined : { rows, totals, by: currency };
}

/**
 * The gate's question. A large run (over `large-run.rows` rows, 1,000 unless set, or over a profile's
 * `large-run.<CUR>` amount) is confirmed by typing its row count or its total, as gh asks for a
 * repository's name before deleting it: a reflex "y" is not enough for 5,000 payments.
 */
export async function confirmPlan(io: IO, question: string, plan: Plan, rule: LargeRun): Promise<boolean> {
  const large = largeBy(plan, rule);
  if (!large) return askConfirmation(io, question);
  requireTerminal(io, '--yes');
  const grouped = io.stderrIsTTY;
  const expected = typedConfirmation(plan, large);
  const inFlight = plan.askFirst.rows ? ` to send now, and up to ${formatCount(plan.askFirst.rows, grouped)} an earlier run left in flight` : '';
  io.err(
    `This is a large run: ${formatCount(plan.sendNow.rows, grouped)} row${plan.sendNow.rows === 1 ? '' : 's'}${inFlight}, ${formatTotals(large.totals, grouped)} (${large.by === 'rows' ? `over ${formatCount(rule.rows, grouped)} rows` : `over large-run.${large.by}`}).`,
  );
  const { input } = await import('@inquirer/prompts');
  const typed = await prompting(() => input({ message: `${question}\n  Type ${expected.what} (${expected.text}) to confirm:` }, { output: process.stderr }));
  if (expected.accepts(typed)) return true;
  throw new AirtimeError('cancelled', `cancelled: "${typed.trim()}" is not ${expected.text}; nothing was sent`);
}

/**
 * What a large run's confirmation asks to type: the figure the question shows first — the rows (or the
 * total) to send now. A resume with rows in flight used to ask for now + in flight (5601) under a question
 * that showed 5600 (issue 23); either figure is accepted.
 */
export function typedConfirmation(plan: Plan, large: LargeRunCheck): { what: string; text: string; accepts: (typed: string) => boolean } {
  const nowTotals = plan.sendNow.totals;
  const now = plan.askFirst.rows ? ' to send now' : '';
  const expected =
    large.by === 'rows'
      ? { what: `the number of rows${now}`, text: String(plan.sendNow.rows) }
      : { what: `the ${large.by} total${now}`, text: formatAmount(nowTotals[large.by] ?? 0, large.by, false) };
  return {
    ...expected,
    accepts: (typed) => matches(typed, large) || matches(typed, { rows: plan.sendNow.rows, totals: { ...nowTotals } }),
  };
}

/** The row count, or a total in any of the run's currencies, typed with or without thousands separators. */
function matches(typed: string, large: { rows: number; totals: Record<string, number> }): boolean {
  const text = typed.trim().replace(/[\s_]/g, '');
  if (text === '') return false;
  if (text.replaceAll(',', '') === String(large.rows)) return true;
  return Object.entries(large.totals).some(([currency, minor]) => {
    try {
      return parseAmount(text, currency, { minMinor: null, maxMinor: null, decimalMark: '.' }).minor === minor;
    } catch {
      return false;
    }
  });
}
