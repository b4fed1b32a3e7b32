import { setTimeout as delay } from 'node:timers/promises';
import { isFinal } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from './context.js';
import { scrub } from './outcomes.js';

export interface RefreshResult {
  readonly transfer: Transfer;
  /** Why the provider could not tell (no status query, not found); null when it answered. */
  readonly unresolved: string | null;
}

/**
 * Asks the provider about a transfer that is not final and records the answer. A transfer still
 * `queued` was never sent: there is nothing to ask.
 */
export async function refreshTransfer(context: AppContext, transfer: Transfer, kind = 'status'): Promise<RefreshResult> {
  if (isFinal(transfer.status) || transfer.status === 'queued') return { transfer, unresolved: null };
  const provider = await context.provider();
  if (transfer.provider !== provider.name) {
    return { transfer, unresolved: `sent through ${transfer.provider}; run with --provider ${transfer.provider} to ask it` };
  }
  const answer = await provider.status(transfer);
  if (answer.status === 'not-found') {
    const unresolved =
      provider.capabilities.statusQuery === 'none'
        ? `${provider.name} has no status query: wait for its callback or check its dashboard`
        : `${provider.name} has no record of ${transfer.reference}`;
    context.journal.recordEvent(transfer.reference, kind, ['not-found'], scrub(context, answer.payload ?? null));
    return { transfer, unresolved };
  }
  context.journal.observe(transfer.reference, {
    kind,
    status: answer.status,
    providerReference: answer.providerReference ?? null,
    error: answer.error ?? null,
    note: answer.note ?? null,
    payload: scrub(context, answer.payload),
  });
  return { transfer: context.journal.get(transfer.reference) ?? transfer, unresolved: null };
}

/** Polls until the transfer is final or the deadline passes; returns the last journal state. */
export async function waitForFinal(context: AppContext, reference: string, timeoutMs: number, onTick?: (transfer: Transfer) => void): Promise<Transfer> {
  const deadline = Date.now() + timeoutMs;
  let pause = 200;
  for (;;) {
    const current = context.journal.get(reference);
    if (!current) throw new Error(`transfer ${reference} vanished from the journal`);
    onTick?.(current);
    if (isFinal(current.status) || Date.now() >= deadline) return current;
    const { transfer } = await refreshTransfer(context, current);
    if (isFinal(transfer.status)) return transfer;
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())));
    pause = Math.min(pause * 1.5, 2000);
  }
}
