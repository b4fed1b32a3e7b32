/**
 * The sandbox's magic numbers, like card networks' test cards: the last four digits of the phone (or of a
 * ZESA meter number) decide what happens. Documented in the README; tests rely on them.
 */
export type MagicOutcome =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'reject'; readonly error: string; readonly code: 'insufficient-balance' | 'invalid-number' }
  | { readonly kind: 'lose-answer' }
  /** With Africa's Talking retries (`maxNumRetry`): the first delivery fails, a retry delivers. */
  | { readonly kind: 'deliver-on-retry' };

export interface MagicContext {
  /** The target is a ZESA meter number, not a phone. */
  readonly meter?: boolean | undefined;
  /** The provider was asked to retry failed deliveries. */
  readonly retries?: boolean | undefined;
}

export function magicOutcome(target: string, context: MagicContext = {}): MagicOutcome {
  if (target.endsWith('0001')) return { kind: 'reject', error: 'Insufficient Balance', code: 'insufficient-balance' };
  if (target.endsWith('0002')) return { kind: 'reject', error: context.meter ? 'Invalid meter number' : 'Invalid Phone Number', code: 'invalid-number' };
  if (target.endsWith('0003')) return { kind: 'lose-answer' };
  // Numbers ending 0005 are everyday numbers otherwise (test files use them): only retries make them special.
  if (target.endsWith('0005') && context.retries && !context.meter) return { kind: 'deliver-on-retry' };
  return { kind: 'deliver' };
}

/** A meter ending 0004 has not had ZESA's key change yet: its purchase comes with two key-change tokens first. */
export function needsKeyChange(meter: string): boolean {
  return meter.endsWith('0004');
}
