/**
 * Shows enough of a secret to recognise it and never enough to use it: the last four characters only,
 * behind a fixed mask that does not tell its length. A secret of eight characters or fewer shows nothing.
 */
export function maskSecret(secret: string | undefined | null): string {
  if (!secret) return '(not set)';
  if (secret.length <= 8) return '••••';
  return `••••${secret.slice(-4)}`;
}

/** Replaces every occurrence of each known secret in a text (used on raw payloads before they are journaled). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
