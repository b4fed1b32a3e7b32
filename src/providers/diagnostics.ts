import type { ProviderName } from './names.js';

/**
 * How adapters tell the user something without printing (providers never print): an answer they could
 * not read, or how they are being used. The app decides where it goes (stderr) and how often.
 */
export interface ProviderDiagnostics {
  /** A word, shape or field an adapter did not recognise; `sample` is the answer (or the part) it met. */
  unrecognised(provider: ProviderName, what: string, sample: unknown): void;
  /** A fact about this run the user should know, e.g. that the sandbox host is used. */
  note(provider: ProviderName, text: string): void;
}

export const silentDiagnostics: ProviderDiagnostics = {
  unrecognised() {},
  note() {},
};

export interface OncePerRunOptions {
  /** Removes secrets from a line before it is written (samples are provider answers). */
  readonly redact?: (line: string) => string;
  /** Longest sample shown, in characters. */
  readonly sampleChars?: number;
}

/**
 * Each distinct report once per run: a bulk run meeting the same unknown word on 3,000 rows says so once.
 * Unrecognised answers are keyed by provider and `what`, notes by their text.
 */
export function diagnosticsOncePerRun(write: (line: string) => void, options: OncePerRunOptions = {}): ProviderDiagnostics {
  const seen = new Set<string>();
  const redact = options.redact ?? ((line: string) => line);
  const sampleChars = options.sampleChars ?? 300;
  const once = (key: string, line: () => string) => {
    if (seen.has(key)) return;
    seen.add(key);
    write(redact(line()));
  };
  return {
    unrecognised(provider, what, sample) {
      once(`u\n${provider}\n${what}`, () => `${provider}: ${what} — read as unknown and kept raw in the journal; sample: ${sampleText(sample, sampleChars)}`);
    },
    note(provider, text) {
      once(`n\n${provider}\n${text}`, () => `${provider}: ${text}`);
    },
  };
}

function sampleText(sample: unknown, limit: number): string {
  let text: string;
  try {
    // JSON.stringify gives undefined for undefined and functions, whatever its declared type says.
    const json = JSON.stringify(sample) as string | undefined;
    text = typeof sample === 'string' ? sample : (json ?? String(sample));
  } catch {
    text = String(sample);
  }
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat;
}
