import { formatMinor } from '../core/money.js';
import type { RecipientDefaults } from '../core/recipient.js';
import type { Journal } from '../journal/journal.js';
import { sameTransfer, type NewTransfer } from '../journal/transfer.js';
import { rowKey } from './file-hash.js';
import { emptySummary, validateFile, type RowCheck, type RowError, type ValidationSummary } from './validate.js';

export interface FileCheck {
  readonly summary: ValidationSummary;
  /** Rows whose reference the journal already holds for the same transfer: paid before, skipped. */
  readonly alreadyInJournal: number;
}

/**
 * The validation pass: every row checked, nothing written. A reference the journal already holds for a
 * different transfer is an error; for the same transfer it is counted as already sent.
 */
export async function checkFile(
  path: string,
  fileHash: string,
  defaults: RecipientDefaults,
  journal: Journal,
  onError?: (error: RowError, summary: ValidationSummary) => void | Promise<void>,
): Promise<FileCheck> {
  const summary = emptySummary();
  let alreadyInJournal = 0;
  const againstJournal: RowCheck = (row) => {
    if (row.reference === undefined) return undefined;
    const existing = journal.get(rowKey(fileHash, row.row, row.reference));
    if (!existing) return undefined;
    if (sameTransfer(existing, row)) {
      alreadyInJournal += 1;
      return undefined;
    }
    return {
      column: 'reference',
      value: row.reference,
      reason: `reference ${row.reference} was already used for a different transfer (${existing.phone}, ${formatMinor(existing.amountMinor, existing.currency)} ${existing.currency}): give this row a new reference`,
    };
  };
  for await (const result of validateFile(path, defaults, summary, againstJournal)) {
    if (!result.ok) await onError?.(result.error, summary);
  }
  return { summary, alreadyInJournal };
}

/** The journal pass: every valid row recorded as `queued` in the batch, a thousand per transaction. */
export async function journalRows(
  path: string,
  fileHash: string,
  defaults: RecipientDefaults,
  journal: Journal,
  base: Omit<NewTransfer, 'reference' | 'phone' | 'amountMinor' | 'currency' | 'line' | 'note'>,
): Promise<number> {
  let pending: NewTransfer[] = [];
  let created = 0;
  const flush = () => {
    created += journal.createMany(pending);
    pending = [];
  };
  for await (const result of validateFile(path, defaults, emptySummary())) {
    if (!result.ok) continue;
    const { row } = result;
    pending.push({
      ...base,
      reference: rowKey(fileHash, row.row, row.reference),
      phone: row.phone,
      amountMinor: row.amountMinor,
      currency: row.currency,
      line: row.line,
      note: row.note ?? row.name ?? null,
    });
    if (pending.length >= 1000) flush();
  }
  flush();
  return created;
}
