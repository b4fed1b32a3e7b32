import { createHash } from 'node:crypto';
import type { Account } from '../core/account.js';
import { formatMinor } from '../core/money.js';
import type { RecipientDefaults } from '../core/recipient.js';
import type { Batch } from '../journal/batch.js';
import type { TransferDetails } from '../journal/details.js';
import type { Journal } from '../journal/journal.js';
import { sameTransfer, type NewTransfer } from '../journal/transfer.js';
import type { ProviderName } from '../providers/names.js';
import { failpoint } from '../failpoints.js';
import type { RepeatIndex } from '../transfers/repeats.js';
import { RepeatTally } from '../transfers/repeats.js';
import { ContentFingerprint, batchIdFor, rowKey } from './batch-identity.js';
import type { StagedRows } from './staged-rows.js';
import { emptySummary, rowAsk, validateFile, type RowCheck, type RowError, type ValidRow, type ValidationSummary } from './validate.js';

/** What a row's transfer carries beyond phone, amount and currency (journal/details.ts); null for plain airtime. */
export function rowDetails(row: Pick<ValidRow, 'product' | 'sms'>, retryHours?: number): TransferDetails | null {
  if (!row.product && row.sms === undefined && !retryHours) return null;
  return {
    ...(row.product ? { product: row.product } : {}),
    ...(row.product?.kind === 'zesa' ? { target: 'meter' as const } : {}),
    ...(row.sms !== undefined ? { sms: row.sms } : {}),
    ...(retryHours ? { retryHours } : {}),
  };
}

/** Rows whose repeats are looked up together. */
const repeatChunk = 500;

export interface FileCheck {
  readonly summary: ValidationSummary;
  /** The batch these rows make for this account (whether or not the journal holds it yet). */
  readonly batchId: string;
  readonly fingerprint: string;
  /** Valid rows whose reference the journal already holds for the same transfer, by the batch holding it. */
  readonly knownByBatch: ReadonlyMap<string | null, { count: number; totals: Record<string, number> }>;
  /** Valid rows that repeat a recent payment, by the batch of that payment. */
  readonly repeats: RepeatTally;
  /** SHA-256 of the file's bytes, taken in the same pass (recorded with the batch). */
  readonly fileHash: string;
}

/**
 * The validation pass: every row checked, nothing written. A reference the journal already holds for a
 * different transfer is an error; for the same transfer it is counted as known. Each valid row new to the
 * journal is looked up among recent payments (the repeat guard), and all valid rows make the batch's
 * content fingerprint, hence its id. The same pass hashes the file's bytes and, given `stage`, keeps every
 * valid row for journaling (`journalRows`): a run reads its file once.
 */
export async function checkFile(
  path: string,
  account: Account,
  defaults: RecipientDefaults,
  journal: Journal,
  repeatIndex: RepeatIndex,
  onError?: (error: RowError, summary: ValidationSummary) => void | Promise<void>,
  /** A rule of the provider's (its catalogue: product, network, range), applied to rows valid so far. */
  providerCheck?: RowCheck,
  stage?: StagedRows,
): Promise<FileCheck> {
  const summary = emptySummary();
  const bytes = createHash('sha256');
  const fingerprint = new ContentFingerprint();
  const knownByBatch = new Map<string | null, { count: number; totals: Record<string, number> }>();
  const repeats = new RepeatTally();
  // The check runs on a row just before it is yielded: this remembers whether that row was known.
  let knownLine = -1;
  const againstJournal: RowCheck = async (row) => {
    const existing = row.reference === undefined ? undefined : await journal.byKey(account.id, row.reference);
    if (!existing || row.reference === undefined) return providerCheck?.(row);
    if (sameTransfer(existing, { ...row, details: rowDetails(row) })) {
      const known = knownByBatch.get(existing.batchId) ?? { count: 0, totals: {} };
      known.count += 1;
      known.totals[row.currency] = (known.totals[row.currency] ?? 0) + row.amountMinor;
      knownByBatch.set(existing.batchId, known);
      knownLine = row.line;
      return undefined;
    }
    return {
      column: 'reference',
      value: row.reference,
      reason: `reference ${row.reference} was already used for a different transfer (${existing.phone}, ${formatMinor(existing.amountMinor, existing.currency)} ${existing.currency}): give this row a new reference`,
    };
  };
  // Repeats are looked up a chunk of rows at a time, by phone (the index reads only what those rows need).
  const phones: string[] = [];
  const toProbe: ValidRow[] = [];
  const tallyRepeats = async () => {
    await repeatIndex.prefetch(phones.splice(0));
    for (const row of toProbe.splice(0)) {
      const earlier = repeatIndex.probe(row);
      if (earlier !== undefined) repeats.add({ ...row, line: row.line, earlierBatch: earlier });
    }
  };
  for await (const result of validateFile(path, defaults, summary, againstJournal, (chunk) => bytes.update(chunk))) {
    if (!result.ok) {
      await onError?.(result.error, summary);
      continue;
    }
    stage?.push(result.row);
    fingerprint.add({ ...result.row, ask: rowAsk(result.row) });
    phones.push(result.row.phone);
    // A reference the journal holds is not a new payment: it is skipped or resumed, never repeated.
    if (knownLine !== result.row.line) toProbe.push(result.row);
    if (phones.length >= repeatChunk) await tallyRepeats();
  }
  await tallyRepeats();
  const digest = fingerprint.digest();
  return { summary, batchId: batchIdFor(account.id, digest), fingerprint: digest, knownByBatch, repeats, fileHash: bytes.digest('hex') };
}

/** Valid rows (and their totals) that earlier batches or sends already hold: not part of this batch. */
export function heldElsewhere(check: FileCheck): { count: number; totals: Record<string, number> } {
  const held = { count: 0, totals: {} as Record<string, number> };
  for (const [batch, known] of check.knownByBatch) {
    if (batch === check.batchId) continue;
    held.count += known.count;
    for (const [currency, minor] of Object.entries(known.totals)) held.totals[currency] = (held.totals[currency] ?? 0) + minor;
  }
  return held;
}

export interface JournalFileOptions {
  readonly account: Account;
  readonly batch: Batch;
  readonly defaults: RecipientDefaults;
  /** Rows left out of the batch (e.g. repeats with --skip-repeats). */
  readonly skip?: ((row: ValidRow) => boolean) | undefined;
  /** Africa's Talking retry hours, journaled with every row so that a resend is the identical request. */
  readonly retryHours?: number | undefined;
  /** The provider's rule for each row (bulk-extras.ts): a row it refuses is not journaled, as in the check pass. */
  readonly check?: RowCheck | undefined;
}

/**
 * The journal pass from the file itself: a crash or a full disk part-way through journaling leaves a batch
 * incomplete, and an incomplete batch is completed from its file (which must still make the same batch)
 * before anything is sent. Returns whether the batch is now whole.
 */
export async function journalFile(path: string, journal: Journal, options: JournalFileOptions): Promise<boolean> {
  return journalRows(validRowsOf(path, options), journal, options);
}

/** The valid rows of a file as its check pass sees them (for completing an interrupted batch from its file). */
async function* validRowsOf(path: string, options: JournalFileOptions): AsyncGenerator<ValidRow> {
  for await (const result of validateFile(path, options.defaults, emptySummary(), options.check)) if (result.ok) yield result.row;
}

/**
 * The journal pass over rows already checked (`checkFile`'s `stage`, or a file read again): every row of the
 * batch recorded as `queued`, a thousand per transaction, then the batch marked complete.
 * @mustUse
 */
export async function journalRows(rows: Iterable<ValidRow> | AsyncIterable<ValidRow>, journal: Journal, options: JournalFileOptions): Promise<boolean> {
  const { account, batch } = options;
  await journal.ensureAccount(account);
  let pending: NewTransfer[] = [];
  const flush = async () => {
    const rows = pending;
    pending = [];
    const created = await journal.appendBatchRows(batch.id, rows);
    return created;
  };
  for await (const row of rows) {
    if (options.skip?.(row)) continue;
    failpoint('during-journal');
    pending.push({
      account: account.id,
      reference: rowKey(batch.id, { ...row, ask: rowAsk(row) }),
      provider: account.provider as ProviderName,
      profile: account.profile,
      phone: row.phone,
      amountMinor: row.amountMinor,
      currency: row.currency,
      batchId: batch.id,
      line: row.line,
      note: row.note ?? row.name ?? null,
      details: rowDetails(row, options.retryHours),
    });
    if (pending.length >= 1000) await flush();
  }
  await flush();
  return journal.completeBatch(batch.id);
}
