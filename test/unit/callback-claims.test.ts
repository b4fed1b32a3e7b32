import { describe, expect, it } from 'vitest';
import { claimDifferences, samePhone } from '../../src/callbacks/claims.js';
import { contentDigest, parseAtStatus, parseLipad } from '../../src/callbacks/parse.js';
import type { Transfer } from '../../src/journal/transfer.js';

const transfer = { phone: '+254711000100', amountMinor: 1000, currency: 'KES' } as Transfer;

describe('what a callback claims, against the journal', () => {
  it('reads a phone in the forms providers write it', () => {
    for (const phone of ['+254711000100', '254711000100', '00254711000100', '0711000100', '0711 000 100']) expect(samePhone(phone, '+254711000100')).toBe(true);
    for (const phone of ['+254711000101', '0711000101', '711000100', 'not a phone']) expect(samePhone(phone, '+254711000100')).toBe(false);
  });

  it('names each difference: amount, currency, phone, and a field it cannot read', () => {
    expect(claimDifferences({ phone: '254711000100', amount: '10' }, transfer)).toEqual([]);
    expect(claimDifferences({ amount: '10.0000', currency: 'KES' }, transfer)).toEqual([]);
    expect(claimDifferences({ amount: '9999' }, transfer)).toEqual(['amount 9999.00 KES, the journal has 10.00 KES']);
    expect(claimDifferences({ amount: '10.009' }, transfer)).toEqual(['amount "10.009" unreadable, the journal has 10.00 KES']);
    expect(claimDifferences({ amountMinor: 1000, currency: 'UGX' }, transfer)[0]).toBe('currency UGX, the journal has KES');
    expect(claimDifferences({ phone: '+254799000999' }, transfer)).toEqual(['phone +254799000999, the journal has +254711000100']);
    expect(claimDifferences({ unreadable: ['value'] }, transfer)).toEqual(['value unreadable']);
  });

  it('keys a callback by its content: the same body in JSON or a form is one callback, another amount is another', () => {
    const form = Object.fromEntries(new URLSearchParams('phoneNumber=%2B254711000100&status=Success&requestId=R1&value=KES+10.0000'));
    const json = { value: 'KES 10.0000', requestId: 'R1', status: 'Success', phoneNumber: '+254711000100' };
    expect(parseAtStatus(form).dedupeKey).toBe(parseAtStatus(json).dedupeKey);
    expect(parseAtStatus({ ...json, value: 'KES 9999.0000' }).dedupeKey).not.toBe(parseAtStatus(json).dedupeKey);
    expect(contentDigest({ amount: 10 })).toBe(contentDigest({ amount: '10' }));
    const lipad = { phone_number: '254711000100', amount: 10, service_status: 602, external_reference: 'REQ' };
    expect(parseLipad(lipad).claims).toEqual({ phone: '+254711000100', amount: '10', currency: undefined });
  });
});
