/**
 * Fault injection for the simulators: rates are fractions of API requests (0–1). Rate limiting happens
 * before a request is processed (nothing done, safe to retry); timeouts, resets, 5xx and malformed
 * bodies happen after it was processed — the worst case, where the provider acted and the client does
 * not know.
 */
export interface FaultOptions {
  readonly latencyMs: number;
  readonly timeoutRate: number;
  readonly errorRate: number;
  readonly rateLimitRate: number;
  readonly resetRate: number;
  readonly malformedRate: number;
  readonly duplicateCallbackRate: number;
  readonly reorderCallbacks: boolean;
  /** How long a "timed out" request is held before the socket is dropped. */
  readonly hangMs: number;
  /** Answer in the documented shapes' variants too (sim/variants.ts), picked by the seeded dice. */
  readonly variants: boolean;
  /** Slow acceptance: a request is visible to status queries only this long after it was accepted. */
  readonly visibleAfterMs: number;
  /**
   * What the Lipad simulator does with a repeated request `reference` (its documents do not say): `dedupe`
   * answers as for the first and charges nothing, `reject` refuses it with 721, `accept` charges again.
   */
  readonly lipadDuplicates: LipadDuplicates;
  /** How long the Africa's Talking simulator remembers an `Idempotency-Key` (AT: a few minutes); after it, the same key pays again. */
  readonly atKeyWindowMs: number;
  /** Africa's Talking asks the listener's validation route before forwarding each transfer; `Failed` fails it. */
  readonly atValidation: boolean;
  readonly seed: number;
}

export const lipadDuplicateModes = ['dedupe', 'reject', 'accept'] as const;
export type LipadDuplicates = (typeof lipadDuplicateModes)[number];

export function isLipadDuplicates(value: string | undefined): value is LipadDuplicates {
  return (lipadDuplicateModes as readonly string[]).includes(value ?? '');
}

export const noFaults: FaultOptions = {
  latencyMs: 0,
  timeoutRate: 0,
  errorRate: 0,
  rateLimitRate: 0,
  resetRate: 0,
  malformedRate: 0,
  duplicateCallbackRate: 0,
  reorderCallbacks: false,
  hangMs: 35_000,
  variants: false,
  visibleAfterMs: 0,
  lipadDuplicates: 'dedupe',
  atKeyWindowMs: 5 * 60_000,
  atValidation: false,
  seed: 1,
};

/** Reads AIRTIME_SIM_* variables; flags of `airtime sandbox serve` override them. */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultOptions {
  const rate = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : fallback;
  };
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    latencyMs: number('AIRTIME_SIM_LATENCY_MS', noFaults.latencyMs),
    timeoutRate: rate('AIRTIME_SIM_TIMEOUT_RATE', 0),
    errorRate: rate('AIRTIME_SIM_ERROR_RATE', 0),
    rateLimitRate: rate('AIRTIME_SIM_RATE_LIMIT_RATE', 0),
    resetRate: rate('AIRTIME_SIM_RESET_RATE', 0),
    malformedRate: rate('AIRTIME_SIM_MALFORMED_RATE', 0),
    duplicateCallbackRate: rate('AIRTIME_SIM_DUPLICATE_CALLBACK_RATE', 0),
    reorderCallbacks: env.AIRTIME_SIM_REORDER_CALLBACKS === '1',
    hangMs: number('AIRTIME_SIM_HANG_MS', noFaults.hangMs),
    variants: env.AIRTIME_SIM_VARIANTS === '1',
    visibleAfterMs: number('AIRTIME_SIM_VISIBLE_AFTER_MS', noFaults.visibleAfterMs),
    lipadDuplicates: isLipadDuplicates(env.AIRTIME_SIM_LIPAD_DUPLICATES) ? env.AIRTIME_SIM_LIPAD_DUPLICATES : noFaults.lipadDuplicates,
    atKeyWindowMs: number('AIRTIME_SIM_AT_KEY_WINDOW_MS', noFaults.atKeyWindowMs),
    atValidation: env.AIRTIME_SIM_AT_VALIDATION === '1',
    seed: number('AIRTIME_SIM_SEED', Date.now() % 2 ** 31),
  };
}

/** A small seeded generator (mulberry32) so a failing fault run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
