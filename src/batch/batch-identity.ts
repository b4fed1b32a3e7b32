import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fingerprint } from '../core/fingerprint-index.js';

/** What identifies a row to pay, whatever the file looks like: E.164 phone, amount in minor units, currency, reference. */
export interface RowIdentity {
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string | undefined;
  /** What the row asks beyond the money (product, SMS: validate.ts → rowAsk); '' or absent for plain airtime. */
  readonly ask?: string | undefined;
}

function canonical(row: RowIdentity): string {
  // Plain airtime rows keep the text (and so the batch ids and keys) they always had.
  return `${row.phone}|${row.amountMinor}|${row.currency}|${row.reference ?? ''}${row.ask ? `|${row.ask}` : ''}`;
}

const lane = 4294967296;

/**
 * An order-independent hash of a batch's rows: the same rows sorted, with CRLF, with a BOM or in another
 * encoding are the same batch. Each row's canonical text is hashed to 128 bits (two salted 64-bit FNV-1a,
 * cheap enough for a million rows) and the hashes are summed lane by lane, which does not depend on order;
 * the count and the totals per currency are folded in too. Written by hand: no kept library offers a
 * streaming multiset hash.
 */
export class ContentFingerprint {
  private readonly lanes = [0, 0, 0, 0];
  private count = 0;
  private readonly totals = new Map<string, number>();

  add(row: RowIdentity): void {
    const text = canonical(row);
    const [a, b] = fingerprint(text);
    const [c, d] = fingerprint(`~${text}`);
    this.lanes[0] = ((this.lanes[0] ?? 0) + a) % lane;
    this.lanes[1] = ((this.lanes[1] ?? 0) + b) % lane;
    this.lanes[2] = ((this.lanes[2] ?? 0) + c) % lane;
    this.lanes[3] = ((this.lanes[3] ?? 0) + d) % lane;
    this.count += 1;
    this.totals.set(row.currency, (this.totals.get(row.currency) ?? 0) + row.amountMinor);
  }

  get rows(): number {
    return this.count;
  }

  digest(): string {
    const totals = [...this.totals].sort(([x], [y]) => x.localeCompare(y)).map(([currency, minor]) => `${currency}:${minor}`);
    return createHash('sha256')
      .update(`${this.lanes.join(',')}|${this.count}|${totals.join(',')}`)
      .digest('hex');
  }
}

/** A batch's id: its account and its content. The same rows for another account are another batch. */
export function batchIdFor(account: string, contentFingerprint: string): string {
  return `b_${createHash('sha256').update(`${account}\n${contentFingerprint}`).digest('hex').slice(0, 12)}`;
}

/**
 * A row's idempotency key: its reference column when there is one (the payer's own key), else derived from
 * the batch (so from the account) and the row's content — the same row in a sorted or re-encoded copy of
 * the file gets the same key, and a rehearsal on the sandbox never shares keys with the real run.
 */
export function rowKey(batchId: string, row: RowIdentity): string {
  if (row.reference !== undefined) return row.reference;
  const hash = createHash('sha256')
    .update(`${batchId}\n${canonical(row)}`)
    .digest('hex')
    .slice(0, 12);
  return `${batchId}-${hash}`;
}

/** SHA-256 of a file's bytes, streamed: recorded with a batch, so an operator can tell which file it was. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
