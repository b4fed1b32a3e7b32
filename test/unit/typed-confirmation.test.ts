import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/account.js';
import type { Plan } from '../../src/transfers/gate.js';
import { largeBy, typedConfirmation } from '../../src/ui/confirm.js';

const plan = (sendNow: number, askFirst: number): Plan => ({
  subject: 'batch b_1 (payouts.csv)',
  account: {} as Account,
  sendNow: { rows: sendNow, totals: { KES: sendNow * 1000 } },
  askFirst: { rows: askFirst, totals: askFirst ? { KES: askFirst * 1000 } : {} },
  done: {},
  repeats: { count: 0, skipped: 0, matches: [], windowMs: 0 },
});

describe("a large run's typed confirmation asks for what the question shows", () => {
  it('a resume with a row in flight asks for the rows to send now (5600), and takes the whole (5601) too', () => {
    const resumed = plan(5600, 1);
    const large = largeBy(resumed, { rows: 1000, totals: {} });
    expect(large).toBeDefined();
    const expected = typedConfirmation(resumed, large ?? { rows: 0, totals: {}, by: 'rows' });
    expect(expected.text).toBe('5600');
    expect(expected.what).toBe('the number of rows to send now');
    expect(['5600', '5,600', '5601'].map(expected.accepts)).toEqual([true, true, true]);
    expect(expected.accepts('5599')).toBe(false);
  });

  it('a first run is unchanged: its row count', () => {
    const first = plan(1001, 0);
    const expected = typedConfirmation(first, largeBy(first, { rows: 1000, totals: {} }) ?? { rows: 0, totals: {}, by: 'rows' });
    expect(expected).toMatchObject({ what: 'the number of rows', text: '1001' });
  });

  it('a run large by its total asks for the total to send now', () => {
    const resumed = plan(600, 2);
    const expected = typedConfirmation(resumed, largeBy(resumed, { rows: 1000, totals: { KES: 100_000 } }) ?? { rows: 0, totals: {}, by: 'rows' });
    expect(expected.text).toMatch(/^6,?000\.00$/);
    expect(expected.accepts('6000')).toBe(true);
  });
});
