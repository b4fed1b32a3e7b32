import { describe, expect, it } from 'vitest';
import { parseMaxTotal } from '../../src/transfers/gate.js';

describe('--max-total', () => {
  it('reads thousands as the tool prints them, and separates currencies by the other commas', () => {
    // Hostile test: "1,000 KES" was read as "1" and "000 KES", a cap of 0.00 KES.
    expect(parseMaxTotal('1,000 KES', ['KES'])).toEqual(new Map([['KES', 100_000]]));
    expect(parseMaxTotal('1,000.50 KES', ['KES'])).toEqual(new Map([['KES', 100_050]]));
    expect(parseMaxTotal('1,000 KES,2,500 UGX', ['KES', 'UGX'])).toEqual(
      new Map([
        ['KES', 100_000],
        ['UGX', 2_500],
      ]),
    );
    expect(parseMaxTotal('5000 KES, 200 UGX', ['KES', 'UGX'])).toEqual(
      new Map([
        ['KES', 500_000],
        ['UGX', 200],
      ]),
    );
    expect(parseMaxTotal('750', ['KES'])).toEqual(new Map([['KES', 75_000]]));
    expect(parseMaxTotal('0 KES', ['KES'])).toEqual(new Map([['KES', 0]]));
  });

  it('refuses what it cannot read, and an amount without a currency when the run pays several', () => {
    expect(() => parseMaxTotal('lots', ['KES'])).toThrow(/not an amount/);
    expect(() => parseMaxTotal('750', ['KES', 'UGX'])).toThrow(/has no currency/);
  });
});
