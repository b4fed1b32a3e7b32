import { randomBytes } from 'node:crypto';

/** A fresh idempotency key: short enough to read aloud, 80 random bits. */
export function newTransferKey(): string {
  return `tx_${randomBytes(10).toString('base64url').replace(/[-_]/g, '').slice(0, 12).toLowerCase()}${randomBytes(2).toString('hex')}`;
}

/** Keys travel in headers, URLs and CSV cells: keep them to a safe alphabet. */
export function checkKey(key: string): string | undefined {
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(key)) {
    return `key "${key}" may only hold letters, digits and . _ : - (at most 100)`;
  }
  // "." and ".." are path segments: in a status URL (zw /orders/{key}) they resolve to another path.
  if (/^\.+$/.test(key)) return `key "${key}" is only dots, which a status URL would read as a path: use letters or digits too`;
  return undefined;
}
