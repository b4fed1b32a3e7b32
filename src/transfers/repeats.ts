import { usageError } from '../core/errors.js';
import { FingerprintIndex } from '../core/fingerprint-index.js';
import { earlierPaymentStates, mayHavePaid } from '../core/possibly-paid.js';
import type { Journal, SentCursor, SentRecipient } from '../journal/journal.js';
import type { Transfer } from '../journal/transfer.js';

/** `mayHavePaid` for a journaled transfer. */
export function transferMayHavePaid(transfer: Transfer, nowMs: number): boolean {
  return mayHavePaid(
    {
      status: transfer.status,
      provider: transfer.provider,
      lastAttemptAt: transfer.lastAttemptAt,
      retryHours: transfer.details?.retryHours ?? 0,
      unverifiedFailure: transfer.details?.unverifiedFailure === true,
      unprovenRequeue: transfer.details?.unprovenRequeue === true,
      possiblyTaken: transfer.details?.possiblyTaken === true,
    },
    nowMs,
  );
}

const maxRepeatWindowMs = 3650 * 86_400_000;

/** The default look-back of the repeat guard. */
export const defaultRepeatWindowMs = 30 * 24 * 3600_000;

export interface Recipient {
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
}

const keyOf = (recipient: Recipient) => `${recipient.phone}|${recipient.amountMinor}|${recipient.currency}`;

/**
 * Every recipient (phone, amount, currency) paid or being paid within the window, in flat memory: the
 * repeat guard asks it about each row before a batch is confirmed, so that the same payout saved with
 * CRLF, sorted, or with one row added is caught by its content rather than its bytes.
 */
export class RepeatIndex {
  private readonly index = new FingerprintIndex();
  private readonly batchSlots: (string | null)[] = [];
  private readonly slotOf = new Map<string | null, number>();
  /** For an index scoped to phones: those whose window has been read (probing another one is a mistake, not "no repeat"). */
  private readonly fetched: Set<string> | undefined;

  private constructor(
    readonly windowMs: number,
    private readonly source?: { readonly journal: Journal; readonly sandbox: boolean; readonly excludeBatch: string | undefined; readonly since: string },
  ) {
    this.fetched = source ? new Set() : undefined;
  }

  /** Loads transfers of the last `windowMs` that may have paid their recipient (core/possibly-paid.ts) (sandbox ones only for a sandbox run, real ones otherwise), leaving out one batch. */
  static async load(journal: Journal, options: { windowMs: number; sandbox: boolean; excludeBatch?: string | undefined }): Promise<RepeatIndex> {
    const repeats = new RepeatIndex(options.windowMs);
    if (options.windowMs <= 0) return repeats;
    const since = new Date(Date.now() - options.windowMs).toISOString();
    for (let after: SentCursor | undefined; ;) {
      const { page, next } = await journal.sentSince(since, options.sandbox, after, 10_000);
      if (next === undefined) break;
      repeats.add(page, options.excludeBatch);
      after = next;
    }
    return repeats;
  }

  /**
   * The same index, filled only for the phones it is asked about (`prefetch`, a chunk of rows at a time): a run
   * reads what its own rows need, not every payment of the window (issue 27: 83,000 read for a 2,000-row file).
   */
  static scoped(journal: Journal, options: { windowMs: number; sandbox: boolean; excludeBatch?: string | undefined }): RepeatIndex {
    const since = new Date(Date.now() - Math.max(options.windowMs, 0)).toISOString();
    return new RepeatIndex(options.windowMs, { journal, sandbox: options.sandbox, excludeBatch: options.excludeBatch, since });
  }

  /** Reads the window's payments to these phones, once each (a no-op for an index loaded whole). */
  async prefetch(phones: Iterable<string>): Promise<void> {
    if (!this.source || !this.fetched || this.windowMs <= 0) return;
    const missing = [...new Set(phones)].filter((phone) => !this.fetched?.has(phone));
    if (missing.length === 0) return;
    this.add(await this.source.journal.sentTo(missing, this.source.since, this.source.sandbox), this.source.excludeBatch);
    for (const phone of missing) this.fetched.add(phone);
  }

  private add(page: readonly SentRecipient[], excludeBatch: string | undefined): void {
    for (const sent of page) {
      if (excludeBatch !== undefined && sent.batchId === excludeBatch) continue;
      let slot = this.slotOf.get(sent.batchId);
      if (slot === undefined) {
        slot = this.batchSlots.push(sent.batchId) - 1;
        this.slotOf.set(sent.batchId, slot);
      }
      this.index.firstLineOrAdd(keyOf(sent), slot + 1);
    }
  }

  /** The batch (null: a single send) of an earlier transfer to the same recipient, or undefined. */
  probe(recipient: Recipient): string | null | undefined {
    if (this.windowMs <= 0) return undefined;
    if (this.fetched && !this.fetched.has(recipient.phone)) throw new Error(`repeat index: ${recipient.phone} was probed before it was fetched`);
    const slot = this.index.get(keyOf(recipient));
    return slot === undefined ? undefined : (this.batchSlots[slot - 1] ?? null);
  }
}

/** A row that repeats an earlier payment, and where that payment is. */
export interface RepeatSample extends Recipient {
  readonly line: number | null;
  readonly earlierBatch: string | null;
}

/** Counts the repeats of a run and keeps the first few to show; bounded memory for a million rows. */
export class RepeatTally {
  private readonly byBatch = new Map<string | null, { count: number; totals: Record<string, number>; samples: RepeatSample[] }>();

  add(sample: RepeatSample): void {
    const entry = this.byBatch.get(sample.earlierBatch) ?? { count: 0, totals: {}, samples: [] };
    entry.count += 1;
    entry.totals[sample.currency] = (entry.totals[sample.currency] ?? 0) + sample.amountMinor;
    if (entry.samples.length < 20) entry.samples.push(sample);
    this.byBatch.set(sample.earlierBatch, entry);
  }

  /** The repeats, leaving out those of `ownBatch` (a re-run of the same batch repeats itself). */
  report(ownBatch?: string): { count: number; totals: Record<string, number>; samples: RepeatSample[] } {
    let count = 0;
    const totals: Record<string, number> = {};
    const samples: RepeatSample[] = [];
    for (const [batch, entry] of this.byBatch) {
      if (ownBatch !== undefined && batch === ownBatch) continue;
      count += entry.count;
      for (const [currency, minor] of Object.entries(entry.totals)) totals[currency] = (totals[currency] ?? 0) + minor;
      for (const sample of entry.samples) if (samples.length < 20) samples.push(sample);
    }
    return { count, totals, samples };
  }
}

/** What an operator needs to judge a repeat: the earlier transfer, its batch, line and date. */
export interface RepeatMatch {
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly line: number | null;
  readonly earlier: Pick<Transfer, 'reference' | 'batchId' | 'line' | 'status' | 'lastAttemptAt' | 'provider' | 'profile'> | undefined;
}

export async function describeRepeats(journal: Journal, samples: readonly RepeatSample[]): Promise<RepeatMatch[]> {
  const matches: RepeatMatch[] = [];
  const nowMs = Date.now();
  for (const sample of samples) {
    const earlier = (await journal.find({ phone: sample.phone, amountMinor: sample.amountMinor, currency: sample.currency, states: earlierPaymentStates }))
      .filter((transfer) => transfer.batchId === sample.earlierBatch && transferMayHavePaid(transfer, nowMs))
      .at(-1);
    matches.push({ phone: sample.phone, amountMinor: sample.amountMinor, currency: sample.currency, line: sample.line, earlier });
  }
  return matches;
}

/** `--repeat-window` in milliseconds (30 days when absent); anything but a duration is a usage error. */
export function repeatWindowOption(text: string | undefined): number {
  if (text === undefined) return defaultRepeatWindowMs;
  const windowMs = parseWindow(text);
  if (windowMs === undefined) throw usageError(`--repeat-window "${text}" is not a duration: give e.g. 30d, 12h or 0 (off)`);
  // Beyond ten years a look-back means "everything" and no longer makes a date.
  if (windowMs > maxRepeatWindowMs) throw usageError(`--repeat-window "${text}" is longer than ten years: give e.g. 365d`);
  return windowMs;
}

/** "30d", "12h", "90m", "0" → milliseconds. */
export function parseWindow(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)?$/i.exec(text.trim());
  if (!match?.[1]) return undefined;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[(match[2] ?? 'd').toLowerCase() as 'd' | 'h' | 'm' | 's'];
  return Math.round(Number(match[1]) * unit);
}
