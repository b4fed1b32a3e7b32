import type { Journal } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';
import type { CallbackEvent } from './event.js';

export type RecordOutcome = 'moved' | 'same' | 'duplicate' | 'out-of-order' | 'unknown-transfer';

export interface Recorded {
  readonly outcome: RecordOutcome;
  readonly transfer: Transfer | undefined;
}

/** Finds the journal's transfer a callback speaks of — only among its own provider's transfers. */
export async function matchTransfer(journal: Journal, event: CallbackEvent): Promise<Transfer | undefined> {
  const { match } = event;
  switch (match.by) {
    case 'reference': {
      const found = await journal.find({ provider: event.provider, reference: match.reference });
      return found.length === 1 ? found[0] : undefined;
    }
    case 'provider-reference': {
      const [byReference] = await journal.find({ provider: event.provider, providerReference: match.providerReference, limit: 1 });
      if (byReference) return byReference;
      // AT cannot be asked by our key: a transfer whose send answer was lost is matched by phone and amount.
      const candidates = await journal.find({
        provider: event.provider,
        phone: match.phone,
        amountMinor: match.amountMinor ?? -1,
        states: ['sending', 'unknown'],
        withoutProviderReference: true,
        createdAfter: new Date(Date.now() - 24 * 3600_000).toISOString(),
        limit: 2,
      });
      return candidates.length === 1 ? candidates[0] : undefined;
    }
    case 'request-reference': {
      const rows = await journal.find({ provider: event.provider, requestReference: match.requestReference, phone: match.phone });
      return rows.length === 1 ? rows[0] : rows.find((candidate) => candidate.amountMinor === match.amountMinor);
    }
  }
}

/**
 * Moves the transfer through the state machine as a callback may (forward only). A duplicate is recorded
 * once; a callback that would move a transfer backwards changes nothing; one for a transfer we do not know
 * is kept as a flagged event.
 */
export async function recordCallback(journal: Journal, event: CallbackEvent): Promise<Recorded> {
  // Matching and recording in one transaction: nothing can move the transfer in between.
  return journal.atomically(async (inner) => {
    const transfer = await matchTransfer(inner, event);
    if (!transfer) {
      const fresh = await inner.recordEvent({
        kind: `callback:${event.provider}`,
        flags: ['unknown-transfer'],
        payload: event.payload,
        dedupeKey: event.dedupeKey,
      });
      return { outcome: fresh ? 'unknown-transfer' : 'duplicate', transfer: undefined };
    }
    const result = await inner.observeRead(transfer, {
      kind: `callback:${event.provider}`,
      cause: 'callback',
      status: event.status,
      providerReference: event.providerReference,
      error: event.error,
      note: event.note,
      payload: event.payload,
      dedupeKey: event.dedupeKey,
    });
    const outcome: RecordOutcome = result.outcome === 'refused' ? 'out-of-order' : result.outcome;
    return { outcome, transfer: result.transfer };
  });
}
