import { isAirtimeError } from '../core/errors.js';
import { failpoint } from '../failpoints.js';
import type { Batch } from '../journal/batch.js';
import type { ClaimChunk } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';
import type { Provider } from '../providers/provider.js';
import { requestReferenceFor } from '../providers/request-reference.js';
import type { AppContext } from '../transfers/context.js';
import { assertConsent, type Consent } from '../transfers/gate.js';
import { failureObservations, outcomeObservations, resentIds, type PendingObservation } from '../transfers/outcomes.js';
import type { BatchLease } from '../transfers/ownership.js';
import { resendPolicy } from '../transfers/resend-policy.js';
import { resendRefusal, sendItem } from '../transfers/send.js';
import { RateLimiter } from './rate-limiter.js';

export interface DispatchOptions {
  readonly concurrency: number;
  readonly ratePerSecond?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: DispatchProgress) => void) | undefined;
  /**
   * Server-side bulk requests (zw `/bulk`) instead of one request per order: claimed and re-checked the same
   * way, each row keeping its own key, so status queries, callbacks, reconcile and resends are unchanged.
   */
  readonly remote?: boolean | undefined;
}

export interface DispatchProgress {
  total: number;
  /** Rows handed to the provider this run, and their amounts per currency. */
  sent: number;
  sentMinor: Record<string, number>;
  failed: number;
  unknown: number;
  requests: number;
  /** Rows not sent: their recipient was paid by another run after this one was confirmed (left queued). */
  heldAsRepeats: number;
  readonly startedAt: number;
}

export interface DispatchResult {
  readonly progress: DispatchProgress;
  readonly interrupted: boolean;
  /** Another run took the batch over while this one was silent (suspended): it stopped sending. */
  readonly lostLease: boolean;
  /** A refusal that stops the run (credentials): raised after the requests in flight finished. */
  readonly fatal: Error | undefined;
}

interface Chunk {
  readonly transfers: Transfer[];
  readonly requestReference: string | null;
}

/**
 * Sends every `queued` transfer of a batch exactly once, with a consent from the gate and the batch's
 * lease held. Claims (queued → sending) are written a window ahead in one transaction and answers are
 * recorded in batches, so journal writes do not dominate; a crash between the two leaves `sending` rows
 * that the next run reconciles by asking. Before each request the sender re-checks that it still holds
 * the lease and the claim: a run that was suspended and taken over sends nothing more.
 */
export async function dispatchBatch(context: AppContext, consent: Consent, batch: Batch, lease: BatchLease, options: DispatchOptions): Promise<DispatchResult> {
  assertConsent(consent);
  const { provider } = await context.providerFor(batch);
  const journal = context.journal;
  const owner = lease.holder.id;
  const remote = options.remote === true && provider.sendBulk !== undefined;
  const chunkSize = Math.max(1, remote ? (provider.capabilities.maxRecipientsPerBulk ?? 500) : provider.capabilities.maxRecipientsPerRequest);
  // A server-side bulk is named by its orders (the same rows again make the same bulk reference); a plain
  // chunk by whatever its provider derives.
  const referenceFor = (claimed: Transfer[]) =>
    remote ? requestReferenceFor(claimed.map((transfer) => transfer.reference)) : provider.requestReference(claimed.map(sendItem));
  // Claims and answers are written in batches so fsyncs do not stall the requests in flight. That is only
  // safe where a crash's leftovers can be asked about by our key; for a provider without that (AT), claim
  // one chunk at a time and record each answer at once, so a requestId is never lost.
  const askable = provider.capabilities.statusQuery === 'by-our-reference';
  // Claims ahead only where a claim that never left can be proven so later (rule `same-key`): for Lipad a
  // "not found" proves nothing, so a row claimed but never sent would stay unknown until an operator
  // resolves it — claim each chunk just before it goes.
  const claimAhead = askable && resendPolicy(provider.name).rule === 'same-key';
  const windowChunks = claimAhead ? Math.max(options.concurrency * 2, Math.ceil(512 / chunkSize)) : 1;
  const limiter = new RateLimiter(options.ratePerSecond);
  const recorder = new OutcomeRecorder(context, askable ? 200 : 0);
  const tally = await journal.tally(batch.id);
  const progress: DispatchProgress = {
    total: tally.counts.queued ?? 0,
    sent: 0,
    sentMinor: {},
    failed: 0,
    unknown: 0,
    requests: 0,
    heldAsRepeats: 0,
    startedAt: performance.now(),
  };
  const ready: Chunk[] = [];
  let afterLine = 0;
  let exhausted = false;
  let refilling: Promise<void> | undefined;
  let fatal: Error | undefined;
  const lease$ = { lost: false };

  const claim = async (chunks: ClaimChunk[]) => {
    const { claimed: claims, heldAsRepeats } = await journal.claim(chunks, owner, referenceFor, consent.repeatGuard);
    failpoint('after-claim');
    for (const claimed of claims) ready.push({ transfers: claimed.transfers, requestReference: claimed.requestReference });
    progress.heldAsRepeats += heldAsRepeats.length;
  };

  const refill = async () => {
    if (exhausted) return;
    const page = await journal.batchPage(batch.id, ['queued'], afterLine, chunkSize * windowChunks);
    if (page.length === 0) {
      exhausted = true;
      return;
    }
    afterLine = page.at(-1)?.line ?? afterLine;
    const fresh = page.filter((transfer) => transfer.requestReference === null);
    const groups: ClaimChunk[] = [];
    // Rows requeued to be resent as the identical request go as that request: the same reference, all of its rows.
    const requeued = new Set(page.flatMap((transfer) => (transfer.requestReference === null ? [] : [transfer.requestReference])));
    for (const requestReference of requeued) {
      const members = await journal.find({ account: batch.account, requestReference });
      const waiting = members.filter((member) => member.status === 'queued');
      const refusal = resendRefusal(provider, members);
      if (refusal) {
        await holdBack(waiting, refusal);
        continue;
      }
      if (waiting.length !== members.length) {
        // Part of the request is known to the provider now (a late callback or answer): the request arrived.
        await holdBack(waiting, `part of request ${requestReference} reached ${provider.name} after all: not resent; ask again with 'airtime reconcile'`);
        continue;
      }
      groups.push({ ids: members.map((member) => member.id), requestReference });
    }
    for (let index = 0; index < fresh.length; index += chunkSize) groups.push({ ids: fresh.slice(index, index + chunkSize).map((transfer) => transfer.id) });
    await claim(groups);
  };

  /**
   * Requeued rows that can no longer be resent as the identical request: they may have been paid, so they
   * go back to unknown, to be settled by asking or by an operator — never sent in a new request.
   */
  const holdBack = async (waiting: readonly Transfer[], reason: string) => {
    if (waiting.length === 0) return;
    const reference = waiting[0]?.requestReference ?? null;
    const { claimed } = await journal.claim([{ ids: waiting.map((transfer) => transfer.id) }], owner, () => reference);
    await journal.observeMany(
      claimed.flatMap((chunk) =>
        chunk.transfers.map((transfer) => ({ id: transfer.id, observation: { kind: 'send', cause: 'answer', status: 'unknown', error: reason } as const })),
      ),
    );
  };

  const stopped = () => options.signal?.aborted === true || fatal !== undefined || lease$.lost;

  const nextChunk = async (): Promise<Chunk | undefined> => {
    for (;;) {
      const chunk = ready.shift();
      if (chunk) return chunk;
      if (exhausted) return undefined;
      // One refill at a time: concurrent workers wait for it rather than claiming the same page twice.
      refilling ??= refill().finally(() => (refilling = undefined));
      await refilling;
    }
  };

  const worker = async () => {
    for (;;) {
      if (stopped()) return;
      const chunk = await nextChunk();
      if (!chunk) return;
      await limiter.take();
      if (stopped()) {
        // Still ours and not sent: it goes back to queued below.
        ready.unshift(chunk);
        return;
      }
      if (!lease.held) {
        // Taken over while we were silent: the new owner has these rows now.
        lease$.lost = true;
        return;
      }
      // The re-check before each request: a claim taken over (or moved by anyone else) is not ours to send.
      if (
        !(await journal.stillClaimed(
          chunk.transfers.map((transfer) => transfer.id),
          owner,
        ))
      )
        continue;
      await sendChunk(context, provider, chunk, recorder, progress, remote).catch((error: unknown) => {
        fatal ??= error instanceof Error ? error : new Error(String(error));
      });
      options.onProgress?.(progress);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await recorder.flush();
  }
  // Chunks claimed but never handed to the provider go back to queued: they provably did not leave.
  const unsent = ready.splice(0).flatMap((chunk) => chunk.transfers);
  if (unsent.length && lease.held) {
    await journal.observeMany(
      unsent.map((transfer) => ({
        id: transfer.id,
        observation: { kind: 'interrupt', cause: 'not-sent', status: 'queued', error: 'not sent: the run stopped first' },
      })),
    );
  }
  // Asked once more at the end: a run taken over between two heartbeats skipped the claims it lost, and
  // must not then report its batch as its own success.
  const stillOurs = lease$.lost ? false : await lease.beat();
  return { progress, interrupted: options.signal?.aborted === true, lostLease: !stillOurs, fatal };
}

async function sendChunk(
  context: AppContext,
  provider: Provider,
  chunk: Chunk,
  recorder: OutcomeRecorder,
  progress: DispatchProgress,
  remote: boolean,
): Promise<void> {
  const items = chunk.transfers.map(sendItem);
  const ids = new Map(chunk.transfers.map((transfer) => [transfer.reference, transfer.id]));
  progress.requests += 1;
  let observed: PendingObservation[];
  let refusal: Error | undefined;
  try {
    const outcomes =
      remote && provider.sendBulk
        ? await provider.sendBulk(items, chunk.requestReference ?? requestReferenceFor(items.map((item) => item.reference)))
        : await provider.send(items, chunk.requestReference);
    failpoint('after-send');
    observed = outcomeObservations(context.secrets, ids, outcomes, resentIds(chunk.transfers));
  } catch (error) {
    observed = failureObservations(
      context.secrets,
      chunk.transfers.map((transfer) => transfer.id),
      error,
    );
    // Credentials refused: every later chunk would be refused too, so the run stops after recording this one.
    if (isAirtimeError(error) && error.kind === 'config') refusal = error;
  }
  const byId = new Map(chunk.transfers.map((transfer) => [transfer.id, transfer]));
  for (const { id, observation } of observed) {
    if (observation.status === 'queued') continue;
    const transfer = byId.get(id);
    progress.sent += 1;
    if (transfer) progress.sentMinor[transfer.currency] = (progress.sentMinor[transfer.currency] ?? 0) + transfer.amountMinor;
    if (observation.status === 'failed') progress.failed += 1;
    else if (observation.status === 'unknown') progress.unknown += 1;
  }
  recorder.add(observed);
  await recorder.maybeFlush();
  if (refusal) throw refusal;
}

/** Buffers answers and writes them in one transaction per flush. */
class OutcomeRecorder {
  private buffer: PendingObservation[] = [];
  private lastFlush = performance.now();

  constructor(
    private readonly context: AppContext,
    private readonly maxDelayMs: number,
  ) {}

  add(observations: readonly PendingObservation[]): void {
    this.buffer.push(...observations);
  }

  async maybeFlush(): Promise<void> {
    // Batches big enough that per-transaction costs vanish, small enough not to stall requests in flight.
    if (this.buffer.length >= 256 || performance.now() - this.lastFlush >= this.maxDelayMs) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    this.buffer = [];
    this.lastFlush = performance.now();
    await this.context.journal.observeMany(items);
    failpoint('after-record');
  }
}
