import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the embedded sandbox's signature (the same form as zw's). */
export const sandboxSignatureHeader = 'x-airtime-sandbox-signature';

/** `sha256=<hex>`: HMAC-SHA256 of the raw bytes. */
export function hmacSignature(body: string | Buffer, key: string | Buffer): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/**
 * zw: `X-Airtime-Signature: sha256=<hex>` over the raw bytes, compared in constant time. The page's own
 * verifier strips an optional `sha256=`, so the bare hex is accepted too.
 */
export function verifyZwSignature(rawBody: Buffer, header: string | undefined, secret: string | undefined): boolean {
  if (!secret) return false;
  return hmacMatches(rawBody, header, secret);
}

/** The embedded sandbox: signed with the key in the data folder (callbacks/sandbox-key.ts). */
export function verifySandboxSignature(rawBody: Buffer, header: string | undefined, key: Buffer): boolean {
  return key.length > 0 && hmacMatches(rawBody, header, key);
}

function hmacMatches(rawBody: Buffer, header: string | undefined, key: string | Buffer): boolean {
  if (!header) return false;
  const match = /^(?:sha256=)?([0-9a-f]{64})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', key).update(rawBody).digest();
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
