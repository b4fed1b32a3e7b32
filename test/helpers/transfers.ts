import type { Transfer } from '../../src/journal/transfer.js';
import type { SendItem } from '../../src/providers/provider.js';

/** A journaled transfer for an item already sent, as an adapter's status query receives it. */
export function asTransfer(sent: SendItem, extra: Partial<Transfer> = {}): Transfer {
  return {
    id: 1,
    account: 'test/default@0',
    attempts: 1,
    firstAttemptAt: null,
    lastAttemptAt: null,
    reference: sent.reference,
    provider: 'sandbox',
    profile: 'default',
    phone: sent.phone,
    amountMinor: sent.amountMinor,
    currency: sent.currency,
    status: 'submitted',
    providerReference: null,
    requestReference: null,
    error: null,
    note: null,
    batchId: null,
    line: null,
    createdAt: '',
    updatedAt: '',
    details: null,
    ...extra,
  };
}
