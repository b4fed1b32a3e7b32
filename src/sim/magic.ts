/**
 * The sandbox's magic numbers, like card networks' test cards: the last four digits of the phone decide
 * what happens. Documented in the README; tests rely on them.
 */
export type MagicOutcome =
  | { readonly kind: 'deliver' }
  | { readonly kind: 'reject'; readonly error: string; readonly code: 'insufficient-balance' | 'invalid-number' }
  | { readonly kind: 'lose-answer' };

export function magicOutcome(e164: string): MagicOutcome {
  if (e164.endsWith('0001')) return { kind: 'reject', error: 'Insufficient Balance', code: 'insufficient-balance' };
  if (e164.endsWith('0002')) return { kind: 'reject', error: 'Invalid Phone Number', code: 'invalid-number' };
  if (e164.endsWith('0003')) return { kind: 'lose-answer' };
  return { kind: 'deliver' };
}
