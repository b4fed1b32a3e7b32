/**
 * Reading provider answers tolerantly: a field may be a number or a numeric string, a body may be wrapped
 * in an envelope, JSON may not be JSON. Nothing here throws; whatever cannot be read is `undefined`, and the
 * adapter decides that this means `unknown`.
 */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parsed body, or undefined when it is not JSON. */
export function parseJsonText(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** What an answer is kept as in the journal: the parsed JSON, else the raw text (bounded). */
export function rawPayload(text: string, parsed: unknown = parseJsonText(text)): unknown {
  return parsed !== undefined ? parsed : text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}

/** A string, or a finite number as its decimal text. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An integer given as a number or as digits in a string (`720`, `"720"`, `" 720 "`). */
export function integerOf(value: unknown): number | undefined {
  const text = textOf(value)?.trim();
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The first of several names a field goes by. */
export function fieldOf(record: JsonRecord, ...names: string[]): unknown {
  for (const name of names) if (record[name] !== undefined && record[name] !== null) return record[name];
  return undefined;
}

export const envelopeKeys: readonly string[] = ['data', 'result', 'response', 'body', 'payload'];

/**
 * The first value, searching the body and the envelopes it may be wrapped in (`{data: …}`, `{result: …}`,
 * two levels deep), that satisfies `accept`.
 */
export function unwrap<T>(value: unknown, accept: (candidate: unknown) => candidate is T, keys: readonly string[] = envelopeKeys, depth = 2): T | undefined {
  if (accept(value)) return value;
  if (depth === 0 || !isRecord(value)) return undefined;
  for (const key of keys) {
    const found = unwrap(value[key], accept, keys, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
