import { setTimeout as delay } from 'node:timers/promises';
import { BeforeRequestError, failedError, isAirtimeError } from '../core/errors.js';
import { formatMinor } from '../core/money.js';
import { failpoint } from '../failpoints.js';
import type { Transfer } from '../journal/transfer.js';
import type { Provider, SendItem } from '../providers/provider.js';
import type { AppContext } from './context.js';
import { assertConsent, type Consent } from './gate.js';
import { failureObservations, outcomeObservations, resentIds } from './outcomes.js';
import { newHolder } from './ownership.js';
import { insideWindow, resendPolicy } from './resend-policy.js';

/** The request a journaled transfer makes: everything it asks for comes from the journal, so a resend is identical. */
export function sendItem(transfer: Transfer): SendItem {
  const details = transfer.details;
  return {
    reference: transfer.reference,
    phone: transfer.phone,
    amountMinor: transfer.amountMinor,
    currency: transfer.currency,
    ...(details?.product ? { product: { kind: details.product.kind, id: details.product.id } } : {}),
    ...(details?.sms ? { sms: details.sms } : {}),
    ...(details?.retryHours ? { retryHours: details.retryHours } : {}),
    ...(details?.campaign ? { campaign: details.campaign } : {}),
  };
}

/**
 * Why a queued transfer must not be sent again, or undefined when it may be. A transfer queued again with
 * its request reference kept was requeued on a "not found" (an earlier version requeued Lipad and Africa's
 * Talking requests that way): where the provider does not document that a repeat is the same transfer
 * (resend-policy.ts, rule `never`), or no longer remembers the key, it must not go again — it goes back
 * to `unknown`, saying why.
 */
export function resendRefusal(provider: Provider, transfers: readonly Transfer[]): string | undefined {
  const policy = resendPolicy(provider.name);
  if (policy.rule === 'same-key') return undefined;
  const resends = transfers.filter((transfer) => transfer.requestReference !== null && transfer.attempts > 0);
  if (resends.length === 0) return undefined;
  if (policy.rule === 'never') {
    return `queued again on an assumption, but ${provider.name} does not document that a repeated request is the same transfer: not resent; ask with 'airtime status', or check the portal and 'airtime resolve'`;
  }
  // Inside the window, once: the identical request is the first transfer or a refused duplicate.
  if (resends.every((transfer) => transfer.attempts === 1 && insideWindow(policy, transfer.firstAttemptAt))) return undefined;
  return `${provider.name}'s duplicate window has closed since the first attempt (or it was resent once already): not resent, since a resend now could pay again; find it in the dashboard, then 'airtime resolve'`;
}

export interface SendResult {
  readonly transfer: Transfer;
  /** Another sender had claimed it first: this is that sender's outcome, nothing was sent by us. */
  readonly sentByAnother: boolean;
}

/**
 * Sends one journaled, queued transfer under the one rule of money, through its own account: claimed
 * (queued → sending, committed) before the request leaves, then the answer. Two sends of one key: one
 * claims and sends, the other waits for and reports the first's outcome.
 */
export async function sendTransfer(context: AppContext, consent: Consent, transfer: Transfer): Promise<SendResult> {
  assertConsent(consent);
  const { journal } = context;
  const { provider } = await context.providerFor(transfer);
  const owner = (await newHolder(journal)).id;
  const {
    claimed: [claim],
    heldAsRepeats,
  } = await journal.claim(
    [{ ids: [transfer.id], requestReference: transfer.requestReference }],
    owner,
    (claimed) => provider.requestReference(claimed.map(sendItem)),
    consent.repeatGuard,
  );
  if (heldAsRepeats.length) {
    throw failedError(
      `${transfer.phone} was paid ${formatMinor(transfer.amountMinor, transfer.currency)} ${transfer.currency} by another run after this one was confirmed: ${transfer.reference} was not sent`,
      `see 'airtime status ${transfer.reference}'; to pay it anyway, run the same command again with --allow-repeats`,
    );
  }
  if (!claim) return { transfer: await waitWhileSending(context, transfer.id), sentByAnother: true };
  const claimed = claim.transfers[0] as Transfer;
  const refusal = resendRefusal(provider, [transfer]);
  if (refusal) {
    await journal.observe(claimed.id, { kind: 'send', cause: 'answer', status: 'unknown', error: refusal });
    return { transfer: (await journal.get(claimed.id)) ?? claimed, sentByAnother: false };
  }
  try {
    const outcomes = await provider.send([sendItem(claimed)], claim.requestReference);
    // A crash here: the provider took the request and nobody heard its answer (the reliability suite, resolve tests).
    failpoint('after-send');
    await journal.observeMany(outcomeObservations(context.secrets, new Map([[claimed.reference, claimed.id]]), outcomes, resentIds([claimed])));
  } catch (error) {
    await journal.observeMany(failureObservations(context.secrets, [claimed.id], error));
    // What proves nothing left is answered below, with the key to retry under; any other error of ours stands.
    if (isAirtimeError(error) && !(error instanceof BeforeRequestError)) throw error;
  }
  return { transfer: (await journal.get(claimed.id)) ?? claimed, sentByAnother: false };
}

/** Waits (bounded) for another sender's request to be answered. */
export async function waitWhileSending(context: AppContext, id: number, timeoutMs = 60_000): Promise<Transfer> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    const current = await context.journal.get(id);
    if (!current) throw new Error(`transfer ${id} vanished from the journal`);
    if (current.status !== 'sending' || Date.now() >= deadline) return current;
    await delay(pause);
  }
}
