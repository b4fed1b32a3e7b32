import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-256 of a file's bytes, streamed: the identity of a payout file. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function batchIdFor(fileHash: string, provider: string, profile: string): string {
  return `b_${createHash('sha256').update(`${fileHash}\n${provider}\n${profile}`).digest('hex').slice(0, 12)}`;
}

/** A row's idempotency key: its reference column when there is one, else the file's hash and row number. */
export function rowKey(fileHash: string, row: number, reference: string | undefined): string {
  return reference ?? `f${fileHash.slice(0, 16)}-r${row}`;
}
