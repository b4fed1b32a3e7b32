import { redact } from '../config/mask.js';
import { isAirtimeError } from '../core/errors.js';
import { TransportError } from '../providers/http.js';
import type { SendOutcome } from '../providers/provider.js';
import { SerialisedPayload } from '../journal/transfer.js';
import type { AppContext } from './context.js';

/** Serialises a payload for the journal with every known secret removed (one pass, as text). */
export function scrub(context: AppContext, payload: unknown): SerialisedPayload | null {
  if (payload === undefined || payload === null) return null;
  const json = typeof payload === 'string' ? JSON.stringify({ raw: payload }) : JSON.stringify(payload);
  const secrets = context.secrets;
  return new SerialisedPayload(secrets.length ? redact(json, secrets) : json);
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
