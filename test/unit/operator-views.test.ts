import { describe, expect, it } from 'vitest';
import { csvCell, spreadsheetSafe } from '../../src/batch/results.js';
import { maskSecret } from '../../src/config/mask.js';
import { closest, didYouMean } from '../../src/core/suggest.js';
import { formatAmount, formatDuration, formatMoney, formatTime, formatTotals } from '../../src/ui/format.js';
import { progressLine } from '../../src/ui/progress.js';
import { fitWidths } from '../../src/ui/table.js';

describe('money, counts and times for people', () => {
  it('groups thousands on a terminal and stays plain for programs', () => {
    expect(formatMoney(507936300, 'KES', true)).toBe('5,079,363.00 KES');
    expect(formatMoney(507936300, 'KES', false)).toBe('5079363.00 KES');
    expect(formatAmount(5000, 'UGX', true)).toBe('5,000');
    expect(formatAmount(99, 'KES', true)).toBe('0.99');
    expect(formatAmount(-123456789, 'KES', true)).toBe('-1,234,567.89');
    expect(formatTotals({ KES: 140050, UGX: 5000 }, true)).toBe('1,400.50 KES + 5,000 UGX');
    expect(formatTotals({}, true)).toBe('nothing');
  });

  it('says durations as people do', () => {
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(92_000)).toBe('1m 32s');
    expect(formatDuration(7_500_000)).toBe('2h 5m');
  });

  it('shows times in local time to the second', () => {
    const iso = '2026-11-22T14:21:54.221Z';
    const local = new Date(iso);
    const pad = (n: number) => String(n).padStart(2, '0');
    expect(formatTime(iso)).toBe(
      `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())} ${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}`,
    );
    expect(formatTime(iso)).not.toMatch(/\.\d{3}|Z$/);
  });

  it('writes a progress line with money, rate and ETA', () => {
    const line = progressLine({ total: 5000, sent: 1000, sentMinor: { KES: 100_000_00 }, failed: 2, unknown: 1, startedAt: 0 }, 10_000, true);
    expect(line).toBe('sent 1,000/5,000 · 100,000.00 KES · failed 2 · unknown 1 · 100 rows/s · ETA 40s · 10s');
    expect(progressLine({ total: 10, sent: 10, sentMinor: {}, failed: 0, unknown: 0, startedAt: 0 }, 92_000, false)).toMatch(/done · 1m 32s$/);
  });
});

describe('cells a spreadsheet could run', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1+HYPERLINK("http://x","y")', `"'+1+HYPERLINK(""http://x"",""y"")"`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    ['＝1+1', "'＝1+1"],
    ['＋1', "'＋1"],
    ['+254711000100', '+254711000100'],
    ['-5.00', '-5.00'],
    ['Joe "JJ" Smith', '"Joe ""JJ"" Smith"'],
    ['plain', 'plain'],
  ])('%j becomes %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves numbers and E.164 phones readable', () => {
    expect(spreadsheetSafe('+256772000500')).toBe('+256772000500');
    expect(spreadsheetSafe('+2547 1100')).toBe("'+2547 1100");
  });
});

describe('the rest of what people see', () => {
  it('masks secrets to their last four characters without telling the length', () => {
    expect(maskSecret('atsk_0123456789abcdefSECRET')).toBe('••••CRET');
    expect(maskSecret('short')).toBe('••••');
    expect(maskSecret(undefined)).toBe('(not set)');
  });

  it('fits a table into the terminal by narrowing text columns, never numbers', () => {
    expect(fitWidths([20, 10, 12, 40], [1, 3], 60)).toEqual([20, 10, 12, 12]);
    // The cut is shared by the widest columns, not taken from one.
    expect(fitWidths([30, 30, 12], [0, 1], 40)).toEqual([12, 12, 12]);
    expect(fitWidths([30, 20, 12], [0, 1], 60)).toEqual([24, 20, 12]);
    expect(fitWidths([5, 5], [0, 1], 80)).toEqual([5, 5]);
    // Never below the minimum: a table that cannot fit stays too wide (the caller drops columns).
    expect(fitWidths([30, 30], [0, 1], 10)).toEqual([8, 8]);
  });

  it('suggests the closest choice for a typo, and nothing for a stranger', () => {
    expect(closest('delivred', ['queued', 'delivered', 'failed'])).toBe('delivered');
    expect(closest('lipd', ['sandbox', 'africastalking', 'lipad', 'zw'])).toBe('lipad');
    expect(closest('africa', ['sandbox', 'africastalking', 'lipad', 'zw'])).toBe('africastalking');
    expect(didYouMean('banana', ['sandbox', 'lipad'])).toBe('');
  });
});
