import { isAirtimeError } from '../core/errors.js';
import type { Recipient } from '../core/recipient.js';
import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from './context.js';
import { failureObservations, outcomeObservations } from './outcomes.js';

export interface SendRequest {
  readonly recipient: Recipient;
  readonly reference: string;
  readonly note?: string | undefined;
}

export interface SendResult {
  readonly transfer: Transfer;
  /** True when the key was already in the journal: nothing was sent this time. */
  readonly existing: boolean;
}

/**
 * Sends one transfer under the one rule of money: journal first (queued, then sending), then the
 * provider, then the answer. A key already in the journal is never sent again.
 */
export async function sendTransfer(context: AppContext, request: SendRequest): Promise<SendResult> {
  const { journal, settings } = context;
  const { transfer, created } = journal.create({
    reference: request.reference,
    provider: settings.provider,
    profile: settings.profileName,
    phone: request.recipient.phone.e164,
    amountMinor: request.recipient.money.minor,
    currency: request.recipient.money.currency,
    note: request.note,
  });
  // A transfer still `queued` never left: sending it now under its own key is the retry.
  if (!created && transfer.status !== 'queued') return { transfer, existing: true };

  const provider = await context.provider();
  const item = { reference: transfer.reference, phone: transfer.phone, amountMinor: transfer.amountMinor, currency: transfer.currency };
  const requestReference = provider.requestReference([item]);
  journal.markSending([transfer.reference], requestReference);
  try {
    journal.observeMany(outcomeObservations(context, await provider.send([item], requestReference)));
  } catch (error) {
    journal.observeMany(failureObservations(context, [transfer.reference], error));
    if (isAirtimeError(error)) throw error;
  }
  return { transfer: journal.get(transfer.reference) ?? transfer, existing: false };
}
