import { describe, expect, it } from 'vitest';
import { safeJson, safeOrNull, safeText } from '../../src/ui/safe-text.js';

describe('safeText: text from outside is inert on a terminal', () => {
  it('removes escape sequences’ control bytes, so they print as plain text', () => {
    // Erase the line and fake a status; write the clipboard (OSC 52); ring the bell.
    expect(safeText('\u001b[2K\u001b[1Gdelivered')).toBe('[2K[1Gdelivered');
    expect(safeText('x\u001b]52;c;aGVsbG8=\u0007y')).toBe('x]52;c;aGVsbG8=y');
    expect(safeText('\u009b31mred')).toBe('31mred');
    expect(safeText('a\u007fb\u0000c')).toBe('abc');
  });

  it('turns line breaks and tabs into spaces: one value cannot forge a line or a column', () => {
    expect(safeText('ok\r\n12:00  --> sandbox  delivered')).toBe('ok  12:00  --> sandbox  delivered');
    expect(safeText('a\tb\u0085c')).toBe('a b c');
  });

  it('removes bidi controls that would make 100 read as 001', () => {
    expect(safeText('KES \u202e001\u202c')).toBe('KES 001');
    expect(safeText('\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c')).toBe('abc');
  });

  it('leaves ordinary text alone, accents, emoji and right-to-left letters included', () => {
    for (const text of ['Zoë Wanjirũ', 'مرحبا', '👩🏽‍💻 payroll', 'line 3, phone: "+2547…"']) expect(safeText(text)).toBe(text);
    expect(safeOrNull(null)).toBeNull();
    expect(safeOrNull('\u001bx')).toBe('x');
  });

  it('keeps JSON exact but escapes what a terminal would act on', () => {
    const value = { note: '\u001b[2K\u202eevil\u2028\u0085' };
    const text = safeJson(value);
    for (const raw of ['\u001b', '\u202e', '\u2028', '\u0085']) expect(text).not.toContain(raw);
    expect(text).toContain('\\u202e');
    expect(JSON.parse(text)).toEqual(value);
    expect(JSON.parse(safeJson(value, 2))).toEqual(value);
  });
});
