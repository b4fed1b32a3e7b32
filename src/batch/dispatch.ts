import { isAirtimeError } from '../core/errors.js';
import type { Transfer } from '../journal/transfer.js';
import type { Provider, SendItem } from '../providers/provider.js';
import type { AppContext } from '../transfers/context.js';
import { failureObservations, outcomeObservations, type PendingObservation } from '../transfers/outcomes.js';
import { failpoint } from '../failpoints.js';
import { RateLimiter } from './rate-limiter.js';

export interface DispatchOptions {
  readonly concurrency: number;
  readonly ratePerSecond?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: DispatchProgress) => void) | undefined;
}

export interface DispatchProgress {
  total: number;
  sent: number;
  failed: number;
  unknown: number;
  requests: number;
  readonly startedAt: number;
}

export interface DispatchResult {
  readonly progress: DispatchProgress;
  readonly interrupted: boolean;
  /** A refusal that stops the run (credentials): raised after the requests in flight finished. */
  readonly fatal: unknown;
}

interface Chunk {
  readonly transfers: Transfer[];
  readonly requestReference: string | null;
}

/**
 * Sends every `queued` transfer of a batch exactly once. Claims (queued → sending) are written a window
 * ahead in one transaction and answers are recorded in batches, so journal writes do not dominate; a
 * crash between the two leaves `sending` rows that a resume reconciles by status query.
 */
export async function dispatchBatch(context: AppContext, batchId: string, options: DispatchOptions): Promise<DispatchResult> {
  const provider = await context.provider();
  const journal = context.journal;
  const chunkSize = Math.max(1, provider.capabilities.maxRecipientsPerRequest);
  // Claims and answers are written in batches so fsyncs do not stall the requests in flight. That is only
  // safe where a crash's leftovers can be asked about by our key; for a provider without that (AT), claim
  // one chunk at a time and record each answer at once, so a requestId is never lost.
  const askable = provider.capabilities.statusQuery === 'by-our-reference';
  const windowChunks = askable ? Math.max(options.concurrency * 2, Math.ceil(512 / chunkSize)) : 1;
  const limiter = new RateLimiter(options.ratePerSecond);
  const recorder = new OutcomeRecorder(journal, askable ? 200 : 0);
  const tally = context.batches.tally(batchId);
  const progress: DispatchProgress = { total: tally.counts.queued ?? 0, sent: 0, failed: 0, unknown: 0, requests: 0, startedAt: performance.now() };
  const ready: Chunk[] = [];
  let afterLine = 0;
  let exhausted = false;
  let fatal: unknown;

  const refill = () => {
    if (exhausted) return;
    const page = journal.batchPage(batchId, ['queued'], afterLine, chunkSize * windowChunks);
    if (page.length === 0) {
      exhausted = true;
      return;
    }
    afterLine = page.at(-1)?.line ?? afterLine;
    const groups: Transfer[][] = [];
    for (let index = 0; index < page.length; index += chunkSize) groups.push(page.slice(index, index + chunkSize));
    const byReference = new Map(page.map((transfer) => [transfer.reference, transfer]));
    const claims = journal.claimChunks(
      groups.map((group) => group.map((transfer) => transfer.reference)),
      (claimed) => provider.requestReference(claimed.map((reference) => toItem(byReference.get(reference) as Transfer))),
    );
    failpoint('after-claim');
    for (const claim of claims) {
      if (claim.references.length === 0) continue;
      ready.push({ transfers: claim.references.map((reference) => byReference.get(reference) as Transfer), requestReference: claim.requestReference });
    }
  };

  const stopped = () => options.signal?.aborted === true || fatal !== undefined;

  const worker = async () => {
    for (;;) {
      if (stopped()) return;
      if (ready.length === 0) refill();
      const chunk = ready.shift();
      if (!chunk) return;
      await limiter.take();
      if (stopped()) {
        ready.unshift(chunk);
        return;
      }
      await sendChunk(context, provider, chunk, recorder, progress).catch((error: unknown) => {
        fatal ??= error;
      });
      options.onProgress?.(progress);
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  recorder.flush();
  // Chunks claimed but never handed to the provider go back to queued: they provably did not leave.
  const unsent = ready.splice(0).flatMap((chunk) => chunk.transfers);
  if (unsent.length) {
    journal.observeMany(
      unsent.map((transfer) => ({
        reference: transfer.reference,
        observation: { kind: 'interrupt', status: 'queued', error: 'not sent: the run stopped first' },
      })),
    );
  }
  context.batches.touch(batchId);
  return { progress, interrupted: options.signal?.aborted === true, fatal };
}

function toItem(transfer: Transfer): SendItem {
  return { reference: transfer.reference, phone: transfer.phone, amountMinor: transfer.amountMinor, currency: transfer.currency };
}

async function sendChunk(context: AppContext, provider: Provider, chunk: Chunk, recorder: OutcomeRecorder, progress: DispatchProgress): Promise<void> {
  const items = chunk.transfers.map(toItem);
  progress.requests += 1;
  let observed: PendingObservation[];
  let refusal: unknown;
  try {
    const outcomes = await provider.send(items, chunk.requestReference);
    failpoint('after-send');
    observed = outcomeObservations(context, outcomes);
  } catch (error) {
    observed = failureObservations(
      context,
      items.map((item) => item.reference),
      error,
    );
    // Credentials refused: every later chunk would be refused too, so the run stops after recording this one.
    if (isAirtimeError(error) && error.kind === 'config') refusal = error;
  }
  for (const { observation } of observed) {
    if (observation.status === 'queued') continue;
    progress.sent += 1;
    if (observation.status === 'failed') progress.failed += 1;
    else if (observation.status === 'unknown') progress.unknown += 1;
  }
  recorder.add(observed);
  recorder.maybeFlush();
  if (refusal) throw refusal;
}

/** Buffers answers and writes them in one transaction per flush. */
class OutcomeRecorder {
  private buffer: PendingObservation[] = [];
  private lastFlush = performance.now();

  constructor(
    private readonly journal: AppContext['journal'],
    private readonly maxDelayMs: number,
  ) {}

  add(observations: readonly PendingObservation[]): void {
    this.buffer.push(...observations);
  }

  maybeFlush(): void {
    // Batches big enough that per-transaction costs vanish, small enough not to stall requests in flight.
    if (this.buffer.length >= 256 || performance.now() - this.lastFlush >= this.maxDelayMs) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const items = this.buffer;
    this.buffer = [];
    this.lastFlush = performance.now();
    this.journal.observeMany(items);
    failpoint('after-record');
  }
}
