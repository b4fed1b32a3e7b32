/**
 * Text that came from outside — CSV cells, provider messages, callback fields — is made inert before it
 * reaches a terminal: an escape sequence can erase lines, fake a status or write the clipboard (OSC 52),
 * and a bidi override can make "100" read as "001". Control characters (C0, DEL, C1) and bidi controls are
 * removed; line breaks and tabs become a space, so one value cannot forge a line or a column of its own.
 * What is left of an escape sequence ("[2K", "]52;c;…") stays visible: evidence, not instructions.
 *
 * Unicode's own classes (`\p{Cc}`, `\p{Bidi_Control}`) say which characters these are: no hand-kept list.
 */
const unsafe = /[\p{Cc}\p{Bidi_Control}]/gu;
const spacing = /[\t\n\v\f\r\u0085]/g;

export function safeText(text: string): string {
  return text.replace(spacing, ' ').replace(unsafe, '');
}

/** `safeText` for a value that may be missing. */
export function safeOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : safeText(text);
}

/** Characters JSON.stringify leaves raw but a terminal acts on: bidi controls and the two line separators. */
const rawInJson = /[\p{Bidi_Control}\u2028\u2029]/gu;

/**
 * JSON for a terminal or a pipe: the data stays exactly what it was (a parser gets the same strings back),
 * but every character a terminal would act on is written as a `\u` escape. JSON.stringify already escapes
 * C0 controls; this adds bidi controls, C1 controls and U+2028/2029.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space)
    .replace(rawInJson, escapeChar)
    .replace(/[\u007f-\u009f]/g, escapeChar);
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
