import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../src/batch/csv-source.js';
import { FingerprintIndex } from '../../src/core/fingerprint-index.js';
import { batchIdFor, ContentFingerprint, rowKey } from '../../src/batch/batch-identity.js';
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
  const row = { phone: '+254711000100', amountMinor: 10000, currency: 'KES', reference: undefined };
  it('derive from the reference column, else the batch (its account and content) and the row', () => {
    expect(rowKey('b_x', { ...row, reference: 'nov-001' })).toBe('nov-001');
    expect(rowKey('b_x', row)).toMatch(/^b_x-[0-9a-f]{12}$/);
    expect(rowKey('b_x', row)).toBe(rowKey('b_x', { ...row }));
    expect(rowKey('b_x', row)).not.toBe(rowKey('b_y', row));
    expect(batchIdFor('sandbox/default@1', 'x')).toBe(batchIdFor('sandbox/default@1', 'x'));
    expect(batchIdFor('sandbox/default@1', 'x')).not.toBe(batchIdFor('zw/default@2', 'x'));
  });

  it('fingerprint the rows whatever their order, and tell a changed or added row apart', () => {
    const rows = Array.from({ length: 50 }, (_, index) => ({ ...row, phone: `+2547110${String(index).padStart(5, '0')}` }));
    const digest = (list: typeof rows) => {
      const fingerprint = new ContentFingerprint();
      for (const item of list) fingerprint.add(item);
      return fingerprint.digest();
    };
    expect(digest([...rows].reverse())).toBe(digest(rows));
    expect(digest(rows.slice(1))).not.toBe(digest(rows));
    expect(digest([...rows, { ...row, phone: '+254799999999' }])).not.toBe(digest(rows));
    expect(digest(rows.map((item, index) => (index === 3 ? { ...item, amountMinor: 10001 } : item)))).not.toBe(digest(rows));
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
