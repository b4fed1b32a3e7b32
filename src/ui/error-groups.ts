import { safeText } from './safe-text.js';

interface ShownError {
  readonly line: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

/**
 * A reason without what differs from row to row (the value, a phone, the line it repeats), so that rows
 * failing for the same reason group: 68 invalid rows are 5 reasons, not 68 sentences (issue 23).
 */
export function reasonKind(error: ShownError): string {
  let kind = error.reason;
  if (error.value) kind = kind.split(`"${error.value}"`).join('"…"');
  return kind
    .replace(/\+\d{6,15}/g, '+…')
    .replace(/\b(duplicate of line) \d+/, '$1 …')
    .replace(/\b\d[\d,]*(\.\d+)? ([A-Z]{3})\b/g, '… $2');
}

const listLines = (lines: readonly number[], max = 8) =>
  `line${lines.length === 1 ? '' : 's'} ${lines.slice(0, max).join(', ')}${lines.length > max ? `, … (${lines.length - max} more)` : ''}`;

/**
 * The invalid rows as a person reads them: one line per reason (in the order first met) with how many rows
 * and which lines — a reason met once keeps its own sentence, value and all.
 */
export function groupedErrorLines(errors: readonly ShownError[]): string[] {
  const groups = new Map<string, ShownError[]>();
  for (const error of errors) {
    const key = `${error.column}\u0000${reasonKind(error)}`;
    const group = groups.get(key);
    if (group) group.push(error);
    else groups.set(key, [error]);
  }
  return [...groups.values()].map((group) => {
    const [first] = group as [ShownError, ...ShownError[]];
    if (group.length === 1) return `  line ${first.line}, ${safeText(first.column)}: ${safeText(first.reason)}`;
    return `  ${group.length} rows, ${safeText(first.column)}: ${safeText(reasonKind(first))} — ${listLines(group.map((error) => error.line))}`;
  });
}
