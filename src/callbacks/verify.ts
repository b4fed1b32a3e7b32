import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * zw: `X-Airtime-Signature: sha256=<hex>` over the raw bytes, compared in constant time. The page's own
 * verifier strips an optional `sha256=`, so the bare hex is accepted too.
 */
export function verifyZwSignature(rawBody: Buffer, header: string | undefined, secret: string | undefined): boolean {
  if (!secret || !header) return false;
  const match = /^(?:sha256=)?([0-9a-f]{64})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Path tokens are compared in constant time too: they are the only lock on unsigned callbacks. */
export function tokenMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!expected) return given === undefined;
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
