import { atIdempotencyWindowMs } from '../providers/at-window.js';
import type { ProviderName } from '../providers/names.js';

/**
 * When a transfer that may have reached a provider can go back to `queued` (DESIGN.md, invariants 4 and 9):
 * only where the provider can be asked about that exact request, documents a complete answer, and
 * documents that a repeat of our key is the same transfer — and only after a settle delay since the last
 * attempt. Each rule says what the provider's own documents promise (docs/providers.md):
 *
 * - `same-key`: the provider deduplicates each transfer on our key and can be asked about it by that key
 *   (zw `agent_reference`: "a repeated agent_reference returns the same order"; the sandbox, in-process). A
 *   transfer it does not know, after the settle delay, is queued again and resent under the same key.
 * - `never`: nothing documents that a repeat is deduplicated. Lipad says only that a reference "must be
 *   unique per request" (a repeat may be refused with 721, or paid twice). A "not found" leaves the transfer
 *   `unknown` until a status query lists it, a callback or an operator.
 * - `same-request-in-window`: Africa's Talking. "No record" proves nothing (no lookup by our key), but AT
 *   documents that two requests with the same `Idempotency-Key` are one transfer and that an identical
 *   request within 5 minutes is refused as a duplicate: inside that window an identical resend under the
 *   same key either is the first transfer or is refused — never a second payment. So a bulk run (with its
 *   consent) resends a request whose answer was never recorded, once, at once, inside `windowMs` of its
 *   first attempt; `reconcile` never does. After the window it stays `unknown`.
 */
export type ResendRule = 'same-key' | 'never' | 'same-request-in-window';

export interface ResendPolicy {
  readonly rule: ResendRule;
  /** Time since the last attempt before a "not found" is an answer: a request the provider is still taking is not news. */
  readonly settleMs: number;
  /** For `same-request-in-window`: how long after the first attempt an identical resend is still safe. */
  readonly windowMs?: number;
}

const policies: Record<ProviderName, ResendPolicy> = {
  // In-process and synchronous: a key it does not know was never taken.
  sandbox: { rule: 'same-key', settleMs: 0 },
  // zw's own reconciler re-queries every 2 minutes; a minute is enough for an order it is still taking.
  zw: { rule: 'same-key', settleMs: 60_000 },
  // Lipad answers "not found" for a request it has not finished taking: ask again after this.
  lipad: { rule: 'never', settleMs: 120_000 },
  // Only a recorded requestId can be asked about; a few seconds for AT to list it. The window stays well
  // inside AT's documented 5-minute duplicate rule.
  africastalking: { rule: 'same-request-in-window', settleMs: 5_000, windowMs: atIdempotencyWindowMs },
};

function envMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  const value = Number(text);
  return text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 ? undefined : value;
}

/**
 * The policy for a provider. `AIRTIME_RESEND_SETTLE_MS` changes the settle delay and `AIRTIME_RESEND_WINDOW_MS`
 * shortens the resend window (rehearsals and tests; a longer window than AT's own is never taken).
 */
export function resendPolicy(provider: ProviderName, env: NodeJS.ProcessEnv = process.env): ResendPolicy {
  const policy = policies[provider];
  const settleMs = envMs(env, 'AIRTIME_RESEND_SETTLE_MS') ?? policy.settleMs;
  if (policy.windowMs === undefined) return { ...policy, settleMs };
  return { ...policy, settleMs, windowMs: Math.min(envMs(env, 'AIRTIME_RESEND_WINDOW_MS') ?? policy.windowMs, policy.windowMs) };
}

/** Whether an identical resend of a request first attempted at `firstAttemptAt` is still inside the provider's window. */
export function insideWindow(policy: ResendPolicy, firstAttemptAt: string | null, nowMs = Date.now()): boolean {
  return policy.rule === 'same-request-in-window' && firstAttemptAt !== null && nowMs - Date.parse(firstAttemptAt) < (policy.windowMs ?? 0);
}

/** When a transfer last attempted at `lastAttemptAt` can be asked about (ms since epoch); now when it already can. */
export function askableAtMs(policy: ResendPolicy, lastAttemptAt: string | null, nowMs = Date.now()): number {
  const last = lastAttemptAt ? Date.parse(lastAttemptAt) : Number.NaN;
  return Number.isFinite(last) ? Math.max(nowMs, last + policy.settleMs) : nowMs;
}

/** Milliseconds since an ISO time (0 when it is missing: treat as "just now"). */
export function ageMs(iso: string | null, nowMs = Date.now()): number {
  return iso ? nowMs - Date.parse(iso) : 0;
}
