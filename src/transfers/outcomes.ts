import { redact } from '../config/mask.js';
import { BeforeRequestError, isAirtimeError } from '../core/errors.js';
import { TransportError } from '../providers/transport-error.js';
import type { SendOutcome } from '../providers/provider.js';
import { SerialisedPayload, type Observation, type Transfer } from '../journal/transfer.js';

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

/**
 * The transfers of a request that are resends of an attempt that may have reached the provider: queued
 * again by reconcile on a "not found" (`possiblyTaken`) or by an operator's word the provider did not confirm
 * (`unprovenRequeue`), not on proof that nothing left. A refusal of their resend may be the provider refusing
 * a repeat of something it took the first time (Lipad's 721 "already used"): it is `unknown`, never `failed`.
 */
export function resentIds(transfers: readonly Transfer[]): ReadonlySet<number> {
  return new Set(
    transfers
      .filter((transfer) => (transfer.details?.possiblyTaken === true || transfer.details?.unprovenRequeue === true) && transfer.attempts > 1)
      .map((transfer) => transfer.id),
  );
}

/**
 * A provider's per-recipient answers as journal observations, payloads serialised and scrubbed. An answer
 * `failed` to a resend (`resent`) is journaled `unknown` with the answer kept (DESIGN.md, invariant 9): a
 * refusal of a second attempt (Lipad 721, a duplicate error, any refusal) says nothing about the first.
 */
export function outcomeObservations(
  secrets: readonly string[],
  ids: ReadonlyMap<string, number>,
  outcomes: readonly SendOutcome[],
  resent: ReadonlySet<number> = new Set(),
): PendingObservation[] {
  return outcomes.flatMap((outcome) => {
    const id = ids.get(outcome.reference);
    if (id === undefined) return [];
    const refusedResend = outcome.status === 'failed' && resent.has(id);
    const error = outcome.error ? redact(outcome.error, secrets) : null;
    return [
      {
        id,
        observation: {
          kind: 'send',
          cause: 'answer',
          status: refusedResend ? 'unknown' : outcome.status,
          providerReference: outcome.providerReference ?? null,
          error: refusedResend
            ? `${error ?? 'refused'} — answered to a resend of a request that may already have been taken: ask the provider, or check and 'airtime resolve'`
            : error,
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
  if (error instanceof BeforeRequestError) return true;
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
