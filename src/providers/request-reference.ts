import { createHash } from 'node:crypto';

/**
 * A request id derived from the transfers it carries, formatted as a UUID: the same chunk sent again
 * (a retry, a resumed run) carries the same id, so a provider that deduplicates on it pays once.
 */
export function requestReferenceFor(references: readonly string[]): string {
  const hex = createHash('sha256').update(references.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
