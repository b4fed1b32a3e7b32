import { describe, expect, it } from 'vitest';
import { formatMinor, parseAmount, parseProviderAmount } from '../../src/core/money.js';
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
    ['10.123', 'more than 2 decimals'],
    ['1e3', 'not a number'],
    ['1,00', 'not a number'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(() => parseAmount(input, 'KES', { minMinor: null, maxMinor: null })).toThrow(reason);
  });

  it('refuses decimals for a currency without a minor unit', () => {
    expect(() => parseAmount('500.5', 'UGX')).toThrow(/UGX has no minor unit/);
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
