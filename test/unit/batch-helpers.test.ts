import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../src/batch/csv-source.js';
import { FingerprintIndex } from '../../src/batch/fingerprint-index.js';
import { batchIdFor, rowKey } from '../../src/batch/file-hash.js';
import { csvCell } from '../../src/batch/results.js';

describe('FingerprintIndex', () => {
  it('returns the first line of a repeated value and nothing for a new one', () => {
    const index = new FingerprintIndex();
    expect(index.firstLineOrAdd('+254711000100|10000|KES', 2)).toBeUndefined();
    expect(index.firstLineOrAdd('+254711000200|10000|KES', 3)).toBeUndefined();
    expect(index.firstLineOrAdd('+254711000100|10000|KES', 9)).toBe(2);
    expect(index.firstLineOrAdd('+254711000100|10000|KES ', 10)).toBeUndefined();
  });

  it('keeps every value through many resizes without a false duplicate', () => {
    const index = new FingerprintIndex();
    for (let line = 1; line <= 300_000; line += 1) expect(index.firstLineOrAdd(`+25471${line}|${line % 97}|KES`, line)).toBeUndefined();
    for (let line = 1; line <= 300_000; line += 997) expect(index.firstLineOrAdd(`+25471${line}|${line % 97}|KES`, 1)).toBe(line);
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['phone,amount\n1,2', ','],
    ['Phone Number;Amount;Currency\n', ';'],
    ['phone\tamount\n', '\t'],
    ['"a;b",c,d\n', ','],
    ['phone\n', ','],
  ])('%j → %j', (text, delimiter) => {
    expect(detectDelimiter(text)).toBe(delimiter);
  });
});

describe('row keys and batch ids', () => {
  it('derive from the reference column, else the file hash and row', () => {
    expect(rowKey('ab'.repeat(32), 7, 'nov-001')).toBe('nov-001');
    expect(rowKey('ab'.repeat(32), 7, undefined)).toBe(`f${'ab'.repeat(8)}-r7`);
    expect(batchIdFor('x', 'sandbox', 'default')).toBe(batchIdFor('x', 'sandbox', 'default'));
    expect(batchIdFor('x', 'sandbox', 'default')).not.toBe(batchIdFor('x', 'zw', 'default'));
  });
});

describe('csvCell', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+254711000100')).toBe('+254711000100');
    expect(csvCell(null)).toBe('');
  });
});
