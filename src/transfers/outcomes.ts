import { redact } from '../config/mask.js';
import { isAirtimeError } from '../core/errors.js';
import { TransportError } from '../providers/http.js';
import type { SendOutcome } from '../providers/provider.js';
import type { AppContext } from './context.js';

/** Removes every known secret from a payload before it reaches the journal. */
export function scrub(context: AppContext, payload: unknown): unknown {
  if (payload === undefined || payload === null) return payload;
  const secrets = context.secrets;
  if (secrets.length === 0) return payload;
  return JSON.parse(redact(JSON.stringify(payload), secrets));
}

/** Records a provider's per-recipient answers in one journal transaction. */
export function applySendOutcomes(context: AppContext, outcomes: readonly SendOutcome[]): void {
  context.journal.observeMany(
    outcomes.map((outcome) => ({
      reference: outcome.reference,
      observation: {
        kind: 'send',
        status: outcome.status,
        providerReference: outcome.providerReference ?? null,
        error: outcome.error ?? null,
        payload: scrub(context, outcome.payload),
      },
    })),
  );
}

/**
 * A send that threw. Proof that nothing left (connection refused, rate limited, credentials refused)
 * puts the transfers back to `queued`: sending them again under the same key is safe. Anything else
 * (timeout, reset, 5xx, a body we cannot read) leaves the outcome unknown — to be resolved by asking the
 * provider, never by sending under a new key.
 */
export function applySendFailure(context: AppContext, references: readonly string[], error: unknown): void {
  const message = redact(error instanceof Error ? error.message : String(error), context.secrets);
  const notSent = (error instanceof TransportError && !error.sent) || (isAirtimeError(error) && error.kind === 'config');
  context.journal.observeMany(
    references.map((reference) => ({
      reference,
      observation: { kind: 'send', status: notSent ? 'queued' : 'unknown', error: notSent ? `not sent: ${message}` : message, payload: { error: message } },
    })),
  );
}
