import type { ProviderName } from '../providers/names.js';

/**
 * When a transfer that may have reached a provider can go back to `queued` (DESIGN.md, invariant 4):
 * only on proof about that exact request, and only where the resend is the identical request under the
 * provider's own idempotency key, after a settle delay since the last attempt.
 *
 * - `same-key`: the provider deduplicates each transfer on our key (zw `agent_reference`, the sandbox):
 *   a transfer it does not know may be resent under the same key.
 * - `same-request`: the provider's idempotency key is the request's (Lipad `reference`): only a whole
 *   request it does not know may be resent, identically — never a row regrouped under a new reference.
 * - `same-request-in-window`: the idempotency key is the request's and is remembered only briefly
 *   (Africa's Talking `Idempotency-Key`, and its 5-minute duplicate rule): a request whose answer was
 *   never recorded may be resent identically inside that window, never after it.
 */
export type ResendRule = 'same-key' | 'same-request' | 'same-request-in-window';

export interface ResendPolicy {
  readonly rule: ResendRule;
  /** Time since the last attempt before "not found" counts: a request the provider is still taking is not news. */
  readonly settleMs: number;
  /** For `same-request-in-window`: how long after the first attempt an identical resend is still deduplicated. */
  readonly windowMs?: number;
}

const policies: Record<ProviderName, ResendPolicy> = {
  // In-process and synchronous: a key it does not know was never taken.
  sandbox: { rule: 'same-key', settleMs: 0 },
  // zw's own reconciler re-queries every 2 minutes; a minute is enough for an order it is still taking.
  zw: { rule: 'same-key', settleMs: 60_000 },
  // Lipad answers "not found" for a request it has not finished taking.
  lipad: { rule: 'same-request', settleMs: 120_000 },
  // AT rejects an identical request within 5 minutes as a duplicate; stay well inside that.
  africastalking: { rule: 'same-request-in-window', settleMs: 5_000, windowMs: 4 * 60_000 },
};

function envMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  const value = Number(text);
  return text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 ? undefined : value;
}

/**
 * The policy for a provider. `AIRTIME_RESEND_SETTLE_MS` changes the settle delay and
 * `AIRTIME_RESEND_WINDOW_MS` the idempotency window (rehearsals and tests; a longer window than the
 * provider's own is never safe).
 */
export function resendPolicy(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): ResendPolicy {
  const policy = policies[provider];
  const settleMs = envMs(env, 'AIRTIME_RESEND_SETTLE_MS') ?? policy.settleMs;
  const windowMs = policy.windowMs === undefined ? undefined : Math.min(envMs(env, 'AIRTIME_RESEND_WINDOW_MS') ?? policy.windowMs, policy.windowMs);
  return { ...policy, settleMs, ...(windowMs === undefined ? {} : { windowMs }) };
}

/** Milliseconds since an ISO time (0 when it is missing: treat as "just now"). */
export function ageMs(iso: string | null, nowMs = Date.now()): number {
  return iso ? nowMs - Date.parse(iso) : 0;
}
