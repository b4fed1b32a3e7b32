import leven from 'leven';
import { usageError, type AirtimeError } from './errors.js';

/** The choice closest to what was typed, when it is close enough to be a typo (as git and gh suggest). */
export function closest(value: string, choices: readonly string[]): string | undefined {
  const typed = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const choice of choices) {
    const candidate = choice.toLowerCase();
    const distance = candidate.startsWith(typed) && typed.length >= 2 ? 0.5 : leven(typed, candidate);
    if (distance < bestDistance) {
      best = choice;
      bestDistance = distance;
    }
  }
  // A third of the word may be wrong (at least one letter), as commander's own suggestions allow.
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** " (did you mean kenya?)", or nothing. */
export function didYouMean(value: string, choices: readonly string[]): string {
  const match = closest(value, choices);
  return match === undefined || match === value ? '' : ` (did you mean ${match}?)`;
}

/** A usage error for a value not among the choices: names it, suggests the closest, lists them all. */
export function notAChoice(what: string, value: string, choices: readonly string[]): AirtimeError {
  return usageError(`${what} "${value}" is not known${didYouMean(value, choices)}: choose one of ${choices.join(', ')}`);
}
