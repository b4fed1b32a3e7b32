import { redact } from '../config/mask.js';
import { isAirtimeError } from '../core/errors.js';
import { TransportError } from '../providers/http.js';
import type { SendOutcome } from '../providers/provider.js';
import { SerialisedPayload, type Observation } from '../journal/transfer.js';
import type { AppContext } from './context.js';

/** Serialises a payload for the journal with every known secret removed (one pass, as text). */
export function scrub(context: AppContext, payload: unknown): SerialisedPayload | null {
  if (payload === undefined || payload === null) return null;
  const json = typeof payload === 'string' ? JSON.stringify({ raw: payload }) : JSON.stringify(payload);
  const secrets = context.secrets;
  return new SerialisedPayload(secrets.length ? redact(json, secrets) : json);
}

/** One journal write: which transfer, and what was observed about it. */
export interface PendingObservation {
  readonly reference: string;
  readonly observation: Observation;
}

/** A provider's per-recipient answers as journal observations, payloads serialised and scrubbed. */
export function outcomeObservations(context: AppContext, outcomes: readonly SendOutcome[]): PendingObservation[] {
  return outcomes.map((outcome) => ({
    reference: outcome.reference,
    observation: {
      kind: 'send',
      status: outcome.status,
      providerReference: outcome.providerReference ?? null,
      error: outcome.error ? redact(outcome.error, context.secrets) : null,
      payload: scrub(context, outcome.payload),
    },
  }));
}

/** Whether a failed send proves nothing left: connection refused, rate limited, credentials refused. */
export function provedNotSent(error: unknown): boolean {
  return (error instanceof TransportError && !error.sent) || (isAirtimeError(error) && error.kind === 'config');
}

/**
 * A send that threw. Proof that nothing left puts the transfers back to `queued`: sending them again under
 * the same key is safe. Anything else (timeout, reset, 5xx, a body we cannot read) leaves the outcome
 * unknown — to be resolved by asking the provider, never by sending under a new key.
 */
export function failureObservations(context: AppContext, references: readonly string[], error: unknown): PendingObservation[] {
  const message = redact(error instanceof Error ? error.message : String(error), context.secrets);
  const notSent = provedNotSent(error);
  const payload = scrub(context, { error: message });
  return references.map((reference) => ({
    reference,
    observation: { kind: 'send', status: notSent ? 'queued' : 'unknown', error: notSent ? `not sent: ${message}` : message, payload },
  }));
}
