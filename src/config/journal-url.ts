import { usageError } from '../core/errors.js';

/** Where the journal lives: the embedded SQLite file (the default) or a shared PostgreSQL database (team mode). */
export type JournalLocation = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };

/** Checks a `journal` setting: a postgres:// (or postgresql://) URL. Returns it trimmed. */
export function checkJournalUrl(raw: string, source = 'journal'): string {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${source} "${maskJournalUrl(value)}" is not a URL: give e.g. postgres://alice@db.example:5432/airtime`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw usageError(
      `${source} "${maskJournalUrl(value)}" is not a postgres:// URL: the embedded SQLite journal needs no setting ('airtime config unset journal' returns to it)`,
    );
  }
  return value;
}

/**
 * A journal URL as it may be shown: the password (in the URL or as a `password=` parameter) replaced.
 * Passwords are secrets: they are masked on every display and never printed.
 */
export function maskJournalUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL we can take apart: hide anything between "//user:" and "@", to be safe.
    return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1••••@');
  }
  // A marker URL encoding leaves alone, swapped for the bullets after (they would come out percent-encoded).
  const marker = 'MASKEDxPASSWORD';
  if (url.password) url.password = marker;
  for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, marker);
  return url.toString().split(marker).join('••••');
}
