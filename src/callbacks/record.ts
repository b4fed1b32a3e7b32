import type { Journal } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';
import type { CallbackEvent } from './event.js';

export type RecordOutcome = 'moved' | 'same' | 'duplicate' | 'out-of-order' | 'unknown-transfer';

export interface Recorded {
  readonly outcome: RecordOutcome;
  readonly transfer: Transfer | undefined;
}

/** Finds the journal's transfer a callback speaks of. */
export function matchTransfer(journal: Journal, event: CallbackEvent): Transfer | undefined {
  const { match } = event;
  switch (match.by) {
    case 'reference':
      return journal.get(match.reference);
    case 'provider-reference': {
      const byReference = journal.findByProviderReference(event.provider, match.providerReference);
      if (byReference) return byReference;
      // AT cannot be asked by our key: a transfer whose send answer was lost is matched by phone and amount.
      const candidates = journal.db
        .prepare(
          `SELECT reference FROM transfers WHERE provider = ? AND phone = ? AND amount_minor = ? AND status IN ('sending', 'unknown')
             AND provider_reference IS NULL AND created_at > ? ORDER BY created_at`,
        )
        .all(event.provider, match.phone, match.amountMinor ?? -1, new Date(Date.now() - 24 * 3600_000).toISOString()) as { reference: string }[];
      return candidates.length === 1 && candidates[0] ? journal.get(candidates[0].reference) : undefined;
    }
    case 'request-reference': {
      const rows = journal.db
        .prepare('SELECT reference, amount_minor FROM transfers WHERE provider = ? AND request_reference = ? AND phone = ?')
        .all(event.provider, match.requestReference, match.phone) as { reference: string; amount_minor: number }[];
      const row = rows.length === 1 ? rows[0] : rows.find((candidate) => candidate.amount_minor === match.amountMinor);
      return row ? journal.get(row.reference) : undefined;
    }
  }
}

/**
 * Moves the transfer through the state machine. A duplicate is recorded once; a callback that would move
 * a final transfer backwards changes nothing; one for a transfer we do not know is kept as a flagged event.
 */
export function recordCallback(journal: Journal, event: CallbackEvent): Recorded {
  // Matching and recording in one transaction: nothing can move the transfer in between.
  return journal.inTransaction(() => {
    const transfer = matchTransfer(journal, event);
    if (!transfer) {
      const fresh = journal.recordEvent(null, `callback:${event.provider}`, ['unknown-transfer'], event.payload, event.dedupeKey);
      return { outcome: fresh ? 'unknown-transfer' : 'duplicate', transfer: undefined };
    }
    const result = journal.observeRead(transfer, {
      kind: `callback:${event.provider}`,
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
