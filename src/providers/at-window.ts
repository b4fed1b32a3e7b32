/**
 * How long after a request Africa's Talking is taken to remember its Idempotency-Key: inside its documented
 * 5-minute duplicate rule. `AIRTIME_RESEND_WINDOW_MS` shortens it (rehearsals, tests), never lengthens it.
 */
export const atIdempotencyWindowMs = 4 * 60_000;

export function atKeyWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.AIRTIME_RESEND_WINDOW_MS;
  const value = Number(text);
  const given = text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0 ? undefined : value;
  return Math.min(given ?? atIdempotencyWindowMs, atIdempotencyWindowMs);
}
