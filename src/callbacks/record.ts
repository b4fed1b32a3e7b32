import { retryStillOpen } from '../core/possibly-paid.js';
import type { Journal } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';
import type { ProviderName } from '../providers/names.js';
import { claimDifferences, claimedMoney } from './claims.js';
import type { CallbackEvent } from './event.js';

export type RecordOutcome = 'moved' | 'same' | 'duplicate' | 'out-of-order' | 'mismatch' | 'unknown-transfer' | 'dropped';

export interface Recorded {
  readonly outcome: RecordOutcome;
  readonly transfer: Transfer | undefined;
  /** Flags of the event as journaled (or as it would have been, for a dropped one). */
  readonly flags: readonly string[];
  /** Why, for a person: the differences of a mismatch, a refused move, a failure's message. */
  readonly reason: string | null;
}

/** What one listener may match callbacks against. */
export interface RecordScope {
  /** The accounts the listener speaks for, per provider; a provider it does not list matches nothing. */
  readonly accounts: ReadonlyMap<ProviderName, readonly string[]>;
  /**
   * Asked before a callback for a transfer we do not know is stored: false means counted, not stored
   * (unsigned routes are bounded per minute). Absent: always stored.
   */
  readonly admitUnknown?: ((event: CallbackEvent) => boolean) | undefined;
  /** Extra flags for every event (e.g. `replayed` for a callback replayed from the spool). */
  readonly flags?: readonly string[] | undefined;
  /**
   * The route authenticates nothing (Africa's Talking or Lipad without a path token): a failure it reports
   * is applied, flagged `unverified`, and the repeat guard keeps counting the transfer as possibly paid.
   */
  readonly unauthenticated?: boolean | undefined;
  readonly clock?: () => number;
}

/** AT's phone-and-amount match looks at transfers last sent within this window. */
export const phoneAmountWindowMs = 24 * 3600_000;

type Match =
  | { readonly transfer: Transfer; readonly by: 'key' | 'phone-amount' }
  | { readonly transfer: undefined; readonly flag?: 'ambiguous'; readonly reason: string | null };

/** Finds the journal's transfer a callback speaks of — only among its own provider's transfers in the listener's accounts. */
export async function matchTransfer(journal: Journal, event: CallbackEvent, scope: RecordScope): Promise<Match> {
  const { match, claims } = event;
  const accounts = scope.accounts.get(event.provider) ?? [];
  const base = { provider: event.provider, accounts };
  const single = (rows: Transfer[], what: string): Match =>
    rows.length === 1 && rows[0]
      ? { transfer: rows[0], by: 'key' }
      : rows.length > 1
        ? { transfer: undefined, flag: 'ambiguous', reason: `${rows.length} transfers match ${what}` }
        : { transfer: undefined, reason: null };
  switch (match.by) {
    case 'reference':
      return single(await journal.find({ ...base, reference: match.reference, limit: 2 }), `reference ${match.reference}`);
    case 'provider-reference': {
      const byReference = await journal.find({ ...base, providerReference: match.providerReference, limit: 2 });
      if (byReference.length) return single(byReference, `requestId ${match.providerReference}`);
      return matchByPhoneAndAmount(journal, event, scope, accounts);
    }
    case 'request-reference': {
      const request = await journal.find({ ...base, requestReference: match.requestReference });
      // A request of one recipient is that recipient's, whatever phone the callback names (a different one is a mismatch).
      if (request.length === 1) return single(request, `request ${match.requestReference}`);
      const rows = request.filter((transfer) => claims.phone === undefined || transfer.phone === claims.phone);
      if (rows.length <= 1) return single(rows, `request ${match.requestReference}`);
      // One phone twice in a request: the amount tells them apart, or nothing does.
      const minor = claimedMoney(claims, rows[0]?.currency ?? '').minor;
      return single(
        rows.filter((transfer) => transfer.amountMinor === minor),
        `request ${match.requestReference} and phone ${claims.phone ?? '?'}`,
      );
    }
  }
}

/**
 * AT cannot be asked by our key, and a transfer whose send answer was lost has no requestId to match: it
 * is found by phone, amount and currency — but only as the single open transfer without a requestId sent
 * within the window, only when it is `unknown`, and the event is flagged. A teammate's transfer with the
 * same phone and amount (one callback URL per AT account) makes it ambiguous, not a match.
 */
async function matchByPhoneAndAmount(journal: Journal, event: CallbackEvent, scope: RecordScope, accounts: readonly string[]): Promise<Match> {
  const { claims } = event;
  if (claims.phone === undefined || claims.amountMinor === undefined || claims.currency === undefined) return { transfer: undefined, reason: null };
  const now = (scope.clock ?? Date.now)();
  const candidates = await journal.find({
    provider: event.provider,
    accounts,
    phone: claims.phone,
    amountMinor: claims.amountMinor,
    currency: claims.currency,
    states: ['sending', 'submitted', 'unknown'],
    withoutProviderReference: true,
    attemptedAfter: new Date(now - phoneAmountWindowMs).toISOString(),
    limit: 2,
  });
  const [candidate] = candidates;
  if (!candidate) return { transfer: undefined, reason: null };
  if (candidates.length > 1) return { transfer: undefined, flag: 'ambiguous', reason: 'several open transfers have this phone and amount' };
  if (candidate.status !== 'unknown') {
    return { transfer: undefined, reason: `only an unknown transfer may be matched by phone and amount (${candidate.reference} is ${candidate.status})` };
  }
  return { transfer: candidate, by: 'phone-amount' };
}

/**
 * Moves the transfer through the state machine as a callback may (forward only). A duplicate is recorded
 * once (and its first repeat once more, as evidence); a callback that would move a transfer backwards, or
 * whose amount, currency or phone differ from the journal's, is recorded, flagged and changes nothing; one
 * for a transfer we do not know is kept as a flagged event — within the listener's bounds.
 */
export async function recordCallback(journal: Journal, event: CallbackEvent, scope: RecordScope): Promise<Recorded> {
  const kind = `callback:${event.provider}`;
  const extra = scope.flags ?? [];
  // Matching and recording in one transaction: nothing can move the transfer in between.
  return journal.atomically(async (inner) => {
    const found = await matchTransfer(inner, event, scope);
    if (!found.transfer) {
      const flags = ['unknown-transfer', ...(found.flag ? [found.flag] : []), ...extra];
      if (scope.admitUnknown && !scope.admitUnknown(event)) return { outcome: 'dropped', transfer: undefined, flags, reason: found.reason };
      const fresh = await inner.recordEvent({ kind, flags, payload: event.payload, dedupeKey: event.dedupeKey });
      if (fresh) return { outcome: 'unknown-transfer', transfer: undefined, flags, reason: found.reason };
      const repeat = [...flags, 'duplicate'];
      await recordFirstRepeat(inner, { kind, flags: repeat, payload: event.payload, dedupeKey: event.dedupeKey });
      return { outcome: 'duplicate', transfer: undefined, flags: repeat, reason: found.reason };
    }
    const differences = claimDifferences(event.claims, found.transfer);
    const retried = isRetriedDelivery(event, found.transfer, (scope.clock ?? Date.now)());
    // `reversed` says the money came back: as much a claim that nobody was paid as `failed`.
    const unverifiedFailure = scope.unauthenticated === true && (event.status === 'failed' || event.status === 'reversed');
    const flags = [
      ...(found.by === 'phone-amount' ? ['matched-by-phone-amount'] : []),
      ...(differences.length ? ['mismatch'] : []),
      ...(retried ? ['success-after-failed'] : []),
      ...(unverifiedFailure ? ['unverified'] : []),
      ...extra,
    ];
    const error = event.status === 'failed' ? withRetryNote(event, found.transfer) : event.error;
    const result = await inner.observeRead(found.transfer, {
      kind,
      cause: retried ? 'retried-delivery' : 'callback',
      status: event.status,
      providerReference: event.providerReference,
      error,
      note: event.note,
      payload: event.payload,
      dedupeKey: event.dedupeKey,
      flags,
      delivered: event.delivered,
      unverifiedFailure,
    });
    const moved = `${found.transfer.status} → ${event.status}`;
    switch (result.outcome) {
      case 'duplicate': {
        const repeat = [...flags, 'duplicate'];
        await recordFirstRepeat(inner, { transferId: found.transfer.id, kind, flags: repeat, payload: event.payload, dedupeKey: event.dedupeKey });
        return { outcome: 'duplicate', transfer: result.transfer, flags: repeat, reason: null };
      }
      case 'refused':
        return differences.length
          ? { outcome: 'mismatch', transfer: result.transfer, flags, reason: differences.join('; ') }
          : {
              outcome: 'out-of-order',
              transfer: result.transfer,
              flags: [...flags, 'out-of-order'],
              reason: `${moved} refused: callbacks move transfers forward only`,
            };
      case 'moved':
      case 'same':
        return {
          outcome: result.outcome,
          transfer: result.transfer,
          flags,
          reason: event.status === 'failed' || event.status === 'reversed' ? error : null,
        };
    }
  });
}

/**
 * A Success after a Failed, for a transfer sent with Africa's Talking retries (`maxNumRetry`), within its retry
 * hours (from the last attempt, plus an hour's grace): AT's retry delivered it. Anything else stays as today —
 * `failed` is final, and a later Success is recorded as out of order and flagged.
 */
export function isRetriedDelivery(event: CallbackEvent, transfer: Transfer, nowMs: number): boolean {
  if (event.provider !== 'africastalking' || transfer.status !== 'failed' || event.status !== 'delivered') return false;
  return retryStillOpen({ provider: transfer.provider, lastAttemptAt: transfer.lastAttemptAt, retryHours: transfer.details?.retryHours ?? 0 }, nowMs);
}

/** A Failed for a transfer AT is still retrying says until when a Success may still come. */
function withRetryNote(event: CallbackEvent, transfer: Transfer): string | null {
  const hours = transfer.details?.retryHours ?? 0;
  if (event.provider !== 'africastalking' || hours <= 0 || !transfer.lastAttemptAt) return event.error;
  const until = new Date(Date.parse(transfer.lastAttemptAt) + hours * 3600_000).toISOString();
  return `${event.error ?? 'Failed'} (sent with ${hours}h of Africa's Talking retries: a Success until ${until} is still taken)`;
}

/**
 * A repeat of a callback already journaled is written once more, flagged `duplicate` (its dedupe key
 * marked), so `airtime callbacks list --flag duplicate` shows that repeats arrived; later repeats write nothing.
 */
async function recordFirstRepeat(journal: Journal, event: Parameters<Journal['recordEvent']>[0]): Promise<boolean> {
  return journal.recordEvent({ ...event, dedupeKey: `${event.dedupeKey ?? ''}#repeat` });
}
