import { redact } from '../config/mask.js';
import { isAirtimeError } from '../core/errors.js';
import { TransportError } from '../providers/transport-error.js';
import type { SendOutcome } from '../providers/provider.js';
import { SerialisedPayload, type Observation } from '../journal/transfer.js';

/** Serialises a payload for the journal with every known secret removed (one pass, as text). */
export function scrub(secrets: readonly string[], payload: unknown): SerialisedPayload | null {
  if (payload === undefined || payload === null) return null;
  const json = typeof payload === 'string' ? JSON.stringify({ raw: payload }) : JSON.stringify(payload);
  return new SerialisedPayload(secrets.length ? redact(json, secrets) : json);
}

/** One journal write: which transfer, and what was observed about it. */
export interface PendingObservation {
  readonly id: number;
  readonly observation: Observation;
}

/** A provider's per-recipient answers as journal observations, payloads serialised and scrubbed. */
export function outcomeObservations(secrets: readonly string[], ids: ReadonlyMap<string, number>, outcomes: readonly SendOutcome[]): PendingObservation[] {
  return outcomes.flatMap((outcome) => {
    const id = ids.get(outcome.reference);
    if (id === undefined) return [];
    return [
      {
        id,
        observation: {
          kind: 'send',
          cause: 'answer',
          status: outcome.status,
          providerReference: outcome.providerReference ?? null,
          error: outcome.error ? redact(outcome.error, secrets) : null,
          payload: scrub(secrets, outcome.payload),
          delivered: outcome.delivered,
        },
      },
    ];
  });
}

/**
 * Whether a failed send proves nothing left: connection refused, or credentials refused on the only
 * attempt. Anything that may have reached the provider — even once, whatever later retries got — does not.
 */
export function provedNotSent(error: unknown): boolean {
  if (error instanceof TransportError) return !error.sent;
  return isAirtimeError(error) && error.kind === 'config' && (error as { mayHaveReached?: boolean }).mayHaveReached !== true;
}

/**
 * A send that threw. Proof that nothing left puts the transfers back to `queued`: sending them again under
 * the same key is safe. Anything else (timeout, reset, 5xx, a body we cannot read) leaves the outcome
 * unknown — to be resolved by asking the provider, never by sending under a new key.
 */
export function failureObservations(secrets: readonly string[], ids: readonly number[], error: unknown): PendingObservation[] {
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  const notSent = provedNotSent(error);
  const payload = scrub(secrets, { error: message });
  return ids.map((id) => ({
    id,
    observation: notSent
      ? { kind: 'send', cause: 'not-sent', status: 'queued', error: `not sent: ${message}`, payload }
      : { kind: 'send', cause: 'answer', status: 'unknown', error: message, payload },
  }));
}
