import { describe, expect, it } from 'vitest';
import { formatMinor, parseAmount, parseProviderAmount, shownDecimalMark } from '../../src/core/money.js';
import { resolveRecipient } from '../../src/core/recipient.js';

describe('parseAmount', () => {
  it('parses decimals into integer minor units', () => {
    expect(parseAmount('100', 'KES').minor).toBe(10000);
    expect(parseAmount('99.5', 'KES').minor).toBe(9950);
    expect(parseAmount('1,000.25', 'KES').minor).toBe(100025);
    expect(parseAmount('5000', 'UGX').minor).toBe(5000);
    expect(parseAmount('1.10', 'USD').minor).toBe(110);
  });

  it('never goes through a float', () => {
    // 0.29 * 100 is 28.999999999999996 in floating point.
    expect(parseAmount('10.29', 'KES').minor).toBe(1029);
  });

  it.each([
    ['abc', 'not a number'],
    ['-5', 'negative'],
    ['0', 'zero'],
    ['10.1234', 'more than 2 decimals'],
    ['1e3', 'not a number'],
    ['1,00.5', 'not a number'],
    ['1.000,00.5', 'not a number'],
    ['.5', 'not a number'],
    ['5.', 'not a number'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(() => parseAmount(input, 'KES', { minMinor: null, maxMinor: null })).toThrow(reason);
  });

  it('refuses decimals for a currency without a minor unit, even zeros', () => {
    expect(() => parseAmount('500.5', 'UGX')).toThrow(/UGX has no minor unit/);
    expect(() => parseAmount('5000.00', 'UGX')).toThrow(/UGX has no minor unit/);
    expect(() => parseAmount('5,000', 'UGX', { decimalMark: ',' })).toThrow(/UGX has no minor unit/);
  });

  describe('ambiguous separators are refused, not guessed', () => {
    it.each([
      ['1,000', 'KES', '1000', '1'],
      ['2,500', 'KES', '2500', '2.5'],
      ['10.000', 'KES', '10000', '10'],
      ['5.000', 'UGX', '5000', '5'],
      ['999.999', 'KES', '999999', '999.999'],
    ])('%s %s: both readings and how to write it', (input, currency, grouped, decimal) => {
      const read = () => parseAmount(input, currency, { minMinor: null, maxMinor: null, decimalFlags: true });
      expect(read).toThrow(`amount "${input}" is ambiguous: ${grouped} if "${input.includes(',') ? ',' : '.'}" separates thousands, ${decimal} if it is a`);
      expect(read).toThrow(/write \S+ or \S+, or declare how amounts are written \(--decimal-point or --decimal-comma\)/);
    });

    it('names the flags only where the command offers them', () => {
      expect(() => parseAmount('1,000', 'KES')).toThrow(
        /^amount "1,000" is ambiguous: 1000 if "," separates thousands, 1 if it is a decimal comma: write 1000 or 1$/,
      );
    });

    it('reads what only one convention can mean', () => {
      const open = { minMinor: null, maxMinor: null };
      expect(parseAmount('1,000.50', 'KES', open).minor).toBe(100050);
      expect(parseAmount('1.000,50', 'KES', open).minor).toBe(100050);
      expect(parseAmount('1,000,000', 'UGX', open).minor).toBe(1000000);
      expect(parseAmount('1.000.000', 'UGX', open).minor).toBe(1000000);
      expect(parseAmount('2,50', 'KES', open).minor).toBe(250);
      expect(parseAmount('2,5', 'KES', open).minor).toBe(250);
      expect(parseAmount('0,500', 'KES', open).minor).toBe(50);
      expect(parseAmount('1000.000', 'KES', open).minor).toBe(100000);
    });

    it('reads a declared convention, and refuses an amount written in the other one', () => {
      const comma = { minMinor: null, maxMinor: null, decimalMark: ',' } as const;
      const point = { minMinor: null, maxMinor: null, decimalMark: '.' } as const;
      expect(parseAmount('1,000', 'KES', comma).minor).toBe(100);
      expect(parseAmount('10.000', 'KES', comma).minor).toBe(1000000);
      expect(parseAmount('5.000', 'UGX', comma).minor).toBe(5000);
      expect(parseAmount('1.000,5', 'KES', comma).minor).toBe(100050);
      expect(parseAmount('1,000', 'KES', point).minor).toBe(100000);
      expect(parseAmount('10.000', 'KES', point).minor).toBe(1000);
      expect(() => parseAmount('2.50', 'KES', comma)).toThrow(
        'amount "2.50" is written with a decimal point but the decimal comma was declared (--decimal-comma): write 2,50',
      );
      expect(() => parseAmount('2,50', 'KES', point)).toThrow(
        'amount "2,50" is written with a decimal comma but the decimal point was declared (--decimal-point): write 2.50',
      );
      expect(() => parseAmount('1,000,000', 'KES', comma)).toThrow(/decimal point but the decimal comma was declared/);
    });

    it('names the decimal mark an amount shows, if any', () => {
      expect(shownDecimalMark('100')).toBeUndefined();
      expect(shownDecimalMark('1,000')).toBeUndefined();
      expect(shownDecimalMark('2.50')).toBe('.');
      expect(shownDecimalMark('2,50')).toBe(',');
      expect(shownDecimalMark('1.000.000')).toBe(',');
    });
  });

  it('applies per-currency limits, overridable', () => {
    expect(() => parseAmount('4', 'KES')).toThrow(/below the minimum of 5.00 KES/);
    expect(() => parseAmount('10001', 'KES')).toThrow(/above the maximum of 10000.00 KES/);
    expect(parseAmount('20000', 'KES', { maxMinor: 2_000_000 }).minor).toBe(2_000_000);
  });

  it('formats minor units back to decimal strings', () => {
    expect(formatMinor(10000, 'KES')).toBe('100.00');
    expect(formatMinor(5, 'KES')).toBe('0.05');
    expect(formatMinor(5000, 'UGX')).toBe('5000');
  });

  it('reads provider amounts with extra decimals', () => {
    expect(parseProviderAmount('100.0000', 'KES')).toBe(10000);
  });
});

describe('resolveRecipient', () => {
  it('infers the currency from the number', () => {
    const recipient = resolveRecipient({ phone: '+256772000100', amount: '5000' });
    expect(recipient.money).toEqual({ minor: 5000, currency: 'UGX' });
  });

  it('takes the country of a local number from the currency', () => {
    expect(resolveRecipient({ phone: '0711000100', amount: '100', currency: 'KES' }).phone.e164).toBe('+254711000100');
  });

  it('refuses a currency that does not fit the number unless forced', () => {
    expect(() => resolveRecipient({ phone: '+254711000100', amount: '100', currency: 'UGX' })).toThrow(/does not match/);
    expect(resolveRecipient({ phone: '+254711000100', amount: '100', currency: 'UGX' }, { forceCurrency: true }).money.currency).toBe('UGX');
  });
});
