import { usageError } from '../core/errors.js';
import { formatMinor, parseAmount, requireCurrency } from '../core/money.js';

/**
 * The approval policy of a journal (one per ledger, kept in the journal): a batch whose total in some
 * currency is above that currency's threshold needs `count` approvals by operators other than its planner
 * before any of it is sent. Once any threshold is set, a currency without one needs approval for any amount:
 * a policy fails closed (a payout in a currency nobody thought of is exactly what four eyes are for).
 */
export interface ApprovalPolicy {
  /** Minor units per currency: totals strictly above need approval. */
  readonly above: Readonly<Record<string, number>>;
  /** Approvals needed (distinct operators, none of them the planner). */
  readonly count: number;
}

const abovePrefix = 'approvals.above.';
const countKey = 'approvals.count';

/** The policy from the journal's stored settings; approvals default to one once any threshold is set. */
export function readPolicy(stored: Readonly<Record<string, string>>): ApprovalPolicy {
  const above: Record<string, number> = {};
  for (const [key, value] of Object.entries(stored)) if (key.startsWith(abovePrefix)) above[key.slice(abovePrefix.length)] = Number(value);
  const count = stored[countKey] === undefined ? 1 : Number(stored[countKey]);
  return { above, count };
}

/** How many approvals a run of these totals needs (0: none). */
export function approvalsNeeded(policy: ApprovalPolicy, totals: Readonly<Record<string, number>>): number {
  if (policy.count <= 0) return 0;
  if (Object.keys(policy.above).length === 0) return 0;
  return Object.entries(totals).some(([currency, minor]) => minor > thresholdOf(policy, currency)) ? policy.count : 0;
}

/** A currency's threshold; 0 for one the policy does not name (fails closed). */
function thresholdOf(policy: ApprovalPolicy, currency: string): number {
  return policy.above[currency] ?? 0;
}

/** The currencies and thresholds a run of these totals is above, for messages ("120,000.00 KES > 50,000.00 KES"). */
export function describeExcess(policy: ApprovalPolicy, totals: Readonly<Record<string, number>>): string {
  return Object.entries(totals)
    .filter(([currency, minor]) => minor > thresholdOf(policy, currency))
    .map(([currency, minor]) =>
      policy.above[currency] === undefined
        ? `${formatMinor(minor, currency)} ${currency} has no threshold in the policy (approvals.above.${currency})`
        : `${formatMinor(minor, currency)} ${currency} is above ${formatMinor(thresholdOf(policy, currency), currency)} ${currency}`,
    )
    .join(', ');
}

/** The policy in lines for a person. */
export function policyLines(policy: ApprovalPolicy): string[] {
  const thresholds = Object.entries(policy.above).sort(([a], [b]) => a.localeCompare(b));
  if (thresholds.length === 0 || policy.count <= 0) return ['approvals: not required (no threshold set, or approvals.count 0)'];
  return [
    `approvals.count: ${policy.count} (operators other than the planner)`,
    ...thresholds.map(([currency, minor]) => `approvals.above.${currency}: ${formatMinor(minor, currency)} ${currency}`),
  ];
}

/** The stored changes `airtime policy set KEY VALUE` asks for: minor units per currency, or the count. */
export function policyChange(key: string, value: string): Record<string, string> {
  const trimmed = value.trim();
  if (key === countKey) {
    if (!/^\d+$/.test(trimmed) || Number(trimmed) > 10)
      throw usageError(`approvals.count "${value}" is not a whole number from 0 to 10: give e.g. 1 (0 turns approvals off)`);
    return { [countKey]: String(Number(trimmed)) };
  }
  const single = key.startsWith(abovePrefix) ? requireCurrency(key.slice(abovePrefix.length)).code : undefined;
  if (key !== 'approvals.above' && single === undefined)
    throw usageError(`policy setting "${key}" is not known: choose approvals.above, approvals.above.<CUR> or approvals.count`);
  const changes: Record<string, string> = {};
  // A comma between a digit and three more digits groups thousands ("50,000 KES"); any other comma separates currencies.
  for (const part of trimmed.split(/(?<!\d),|,(?!\d{3}(?:\D|$))/).map((item) => item.trim())) {
    const match = /^([\d.,_]+)\s*([A-Za-z]{3})?$|^([A-Za-z]{3})\s*([\d.,_]+)$/.exec(part);
    const amount = match?.[1] ?? match?.[4];
    const currency = (match?.[2] ?? match?.[3])?.toUpperCase() ?? single;
    if (!amount || !currency)
      throw usageError(`${key} "${value}" is not an amount with its currency: give e.g. "50000 KES" (one per currency, separated by commas)`);
    if (single !== undefined && currency !== single) throw usageError(`${key} "${value}" names ${currency}, not ${single}`);
    const minor = parseAmount(amount.replace(/_/g, ''), requireCurrency(currency), { minMinor: null, maxMinor: null, decimalMark: '.' }).minor;
    changes[`${abovePrefix}${requireCurrency(currency).code}`] = String(minor);
  }
  return changes;
}

/** The stored keys `airtime policy unset KEY` removes (`approvals.above` removes every currency's threshold). */
export function policyRemoval(key: string, stored: Readonly<Record<string, string>>): Record<string, null> {
  if (key === countKey) return { [countKey]: null };
  if (key === 'approvals.above')
    return Object.fromEntries(
      Object.keys(stored)
        .filter((name) => name.startsWith(abovePrefix))
        .map((name) => [name, null]),
    );
  if (key.startsWith(abovePrefix)) return { [`${abovePrefix}${requireCurrency(key.slice(abovePrefix.length)).code}`]: null };
  throw usageError(`policy setting "${key}" is not known: choose approvals.above, approvals.above.<CUR> or approvals.count`);
}
