import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRetriedDelivery, recordCallback } from '../../src/callbacks/record.js';
import { parseAtStatus } from '../../src/callbacks/parse.js';
import { makeAccount } from '../../src/core/account.js';
import { checkCustomSms } from '../../src/core/custom-sms.js';
import { isAirtimeError } from '../../src/core/errors.js';
import { describeToken, groupToken, labelTokens, parseMeter, resolveMeterPurchase, tokensText } from '../../src/core/meter.js';
import { pickProduct, type Product } from '../../src/core/product.js';
import { judgeTransition } from '../../src/core/transfer-state.js';
import { sameAsk, withDelivery } from '../../src/journal/details.js';
import type { Journal } from '../../src/journal/journal.js';
import { sqliteMigrations } from '../../src/journal/migrations.js';
import { openSqliteJournal } from '../../src/journal/open.js';
import { SqliteDatabase } from '../../src/journal/sqlite.js';
import { readDelivery, readPreview, readProduct, readTopUp } from '../../src/providers/zw-read.js';
import { tempHome } from '../helpers/cli.js';

const message = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (isAirtimeError(error)) return error.message;
    throw error;
  }
  return 'no error';
};

const catalogue: Product[] = [
  { id: 100, name: 'Econet airtime USD', network: 'Econet', kind: 'airtime', currency: 'USD', min: '0.1', max: '50' },
  { id: 200, name: 'Econet data 1GB', network: 'Econet', kind: 'data', currency: 'USD', min: '1', max: '1' },
  { id: 201, name: 'Econet data 5GB', network: 'Econet', kind: 'data', currency: 'USD', min: '5', max: '5' },
  { id: 202, name: 'Econet data any', network: 'Econet', kind: 'data', currency: 'USD', min: '1', max: '10' },
  { id: 300, name: 'ZESA token USD', network: 'ZESA', kind: 'zesa', currency: 'USD', min: '1', max: '200' },
  { id: 301, name: 'ZESA token ZWG', network: 'ZESA', kind: 'zesa', currency: 'ZWG', min: '10', max: '5000' },
];

describe('meter numbers and ZESA tokens', () => {
  it('takes 11 digits, spaced or hyphenated, and names what is wrong with anything else', () => {
    expect(parseMeter('37132109846')).toBe('37132109846');
    expect(parseMeter(' 3713 2109 846 ')).toBe('37132109846');
    expect(parseMeter('371-3210-9846')).toBe('37132109846');
    expect(message(() => parseMeter('3713210984'))).toMatch(/has 10 digits: a ZESA prepaid meter number has 11/);
    expect(message(() => parseMeter('+263772279099'))).toMatch(/holds a "\+" \(a phone\?\)/);
    expect(message(() => parseMeter('3.71321E+10'))).toMatch(/turned into a number by a spreadsheet/);
    expect(message(() => parseMeter('3713210984X'))).toMatch(/characters other than digits/);
    expect(message(() => parseMeter(''))).toMatch(/meter number is empty/);
  });

  it('prices a purchase in its currency (USD unless said), by the catalogue not by airtime limits', () => {
    expect(resolveMeterPurchase({ meter: '37132109846', amount: '0.5' }).money).toEqual({ minor: 50, currency: 'USD' });
    expect(resolveMeterPurchase({ meter: '37132109846', amount: '20', currency: 'zwg' }).money).toEqual({ minor: 2000, currency: 'ZWG' });
    // A profile's own cap still applies.
    expect(message(() => resolveMeterPurchase({ meter: '37132109846', amount: '300' }, { limits: { USD: { maxMinor: 100_00 } } }))).toMatch(
      /above the maximum/,
    );
  });

  it('orders three tokens as they are entered and says which is which; one token is the recharge', () => {
    const [a, b, c] = ['11112222333344445555', '66667777888899990000', '12341234123412341234'];
    expect(labelTokens([{ token: c }])).toEqual([{ role: 'recharge', token: c }]);
    expect(labelTokens([{ token: a }, { token: b }, { token: c }]).map((token) => token.role)).toEqual(['key-change-1', 'key-change-2', 'recharge']);
    // The provider's labels win over its order: the recharge is entered last, key changes by their number.
    const labelled = labelTokens([
      { token: c, label: 'Recharge token' },
      { token: b, label: 'KCT 2' },
      { token: a, label: 'key change 1' },
    ]);
    expect(labelled).toEqual([
      { role: 'key-change-1', token: a },
      { role: 'key-change-2', token: b },
      { role: 'recharge', token: c },
    ]);
    expect(groupToken(a)).toBe('1111 2222 3333 4444 5555');
    expect(labelled.map((token, index) => describeToken(token, index, 3))).toEqual([
      '1 of 3: key change token 1 (enter first)',
      '2 of 3: key change token 2 (enter second)',
      '3 of 3: recharge token (enter last)',
    ]);
    expect(tokensText(labelled, '16.6')).toBe(
      '1) key change 1111 2222 3333 4444 5555; 2) key change 6666 7777 8888 9999 0000; 3) recharge 1234 1234 1234 1234 1234 (16.6 kWh)',
    );
    expect(tokensText([{ role: 'recharge', token: c }])).toBe('1234 1234 1234 1234 1234');
  });

  it("reads a zw order's tokens in any of their shapes, and never a token that is not 20 digits", () => {
    expect(readDelivery({ token: '1234 1234 1234 1234 1234', units: 12.5 })).toEqual({
      tokens: [{ role: 'recharge', token: '12341234123412341234' }],
      units: '12.5',
    });
    expect(readDelivery({ tokens: ['1234', 'not a token'] })).toBeUndefined();
    expect(readDelivery({ status: 'success' })).toBeUndefined();
  });
});

describe('picking a product from a catalogue', () => {
  const want = (extra: Partial<Parameters<typeof pickProduct>[1]>) =>
    pickProduct(catalogue, { kind: 'data', network: 'Econet', currency: 'USD', amountMinor: 100, ...extra }, 'zw');

  it('takes the one product whose range holds the amount, and names the others when none or several do', () => {
    expect(want({ kind: 'zesa', network: undefined, amountMinor: 20_00 }).id).toBe(300);
    expect(want({ kind: 'zesa', network: undefined, currency: 'ZWG', amountMinor: 20_00 }).id).toBe(301);
    expect(want({ amountMinor: 3_00 }).id).toBe(202);
    expect(message(() => want({ amountMinor: 1_00 }))).toMatch(
      /2 of zw's Econet data products sell 1.00 USD \(200 Econet data 1GB, 202 Econet data any\): choose one with --product-id/,
    );
    expect(message(() => want({ amountMinor: 20_00 }))).toMatch(/fits none of zw's Econet data products/);
    expect(message(() => want({ network: 'NetOne' }))).toMatch(/zw sells no NetOne data in USD/);
    expect(message(() => want({ kind: 'zesa', network: undefined, currency: 'KES' }))).toMatch(/zw sells no zesa in KES: use USD or ZWG/);
  });

  it('checks a product named by id: its kind, currency, network and range', () => {
    expect(want({ id: '201', amountMinor: 5_00 }).id).toBe(201);
    expect(message(() => want({ id: '999' }))).toMatch(/product 999 is not in zw's catalogue/);
    expect(message(() => want({ id: '300' }))).toMatch(/sells zesa, not data/);
    expect(message(() => want({ id: '201', amountMinor: 1_00 }))).toMatch(/outside Econet data 5GB's range 5.00 USD/);
    expect(message(() => want({ id: '100', kind: 'airtime', network: 'NetOne' }))).toMatch(/is for Econet, not NetOne/);
  });

  it('reads catalogue entries for ZESA whatever network or kind word they carry', () => {
    expect(readProduct({ id: 9, kind: 'Electricity', currency: 'usd', min: 1 })).toMatchObject({ kind: 'zesa', network: 'ZESA', currency: 'USD', min: '1' });
    expect(readProduct({ id: 9, kind: 'data', currency: 'USD' })).toBeUndefined();
  });
});

describe('custom SMS', () => {
  it('takes one GSM-7 SMS and refuses the rest with the characters or the length named', () => {
    expect(checkCustomSms('Your monthly comms allowance from ACME.')).toBe('Your monthly comms allowance from ACME.');
    expect(checkCustomSms('x'.repeat(160))).toHaveLength(160);
    expect(message(() => checkCustomSms('x'.repeat(161)))).toMatch(/is 161 SMS characters long .* at most 160 fit in one SMS — shorten it by 1/);
    // € counts twice in GSM-7.
    expect(message(() => checkCustomSms(`${'x'.repeat(159)}€`))).toMatch(/is 161 SMS characters long/);
    expect(message(() => checkCustomSms('Thanks ‘you’ 😀'))).toMatch(
      /holds "‘" \(U\+2018\), "’" \(U\+2019\), "😀" \(U\+1F600\), outside the SMS \(GSM-7\) alphabet/,
    );
    expect(message(() => checkCustomSms('a\tb'))).toMatch(/holds U\+0009/);
    expect(message(() => checkCustomSms('  '))).toMatch(/is empty/);
  });
});

describe('zw answers to the new endpoints, read tolerantly', () => {
  it('finds a payment link under any usual name, and none where there is none', () => {
    expect(readTopUp({ topup: { id: 't1', payment_url: 'https://pay/1', status: 'pending' } })).toMatchObject({ id: 't1', paymentUrl: 'https://pay/1' });
    expect(readTopUp({ data: { redirect_url: 'https://pay/2' } })?.paymentUrl).toBe('https://pay/2');
    expect(readTopUp({ id: 't1' })).toBeUndefined();
  });

  it('reads a preview by row or by line, with counts and totals', () => {
    const read = readPreview({
      valid: 1,
      invalid: 1,
      totals: { USD: '1.50' },
      rows: [
        { row: 1, valid: true },
        { row: 2, valid: false, errors: [{ code: 'x', message: 'y' }] },
      ],
    });
    expect(read).toMatchObject({ valid: 1, invalid: 1, totals: { USD: 150 } });
    expect([...(read?.refused ?? [])]).toEqual([[2, 'x: y']]);
    expect([...(readPreview({ errors: [{ line: 5, message: 'bad' }] })?.refused ?? [])]).toEqual([[4, 'bad']]);
    expect(readPreview('nope')).toBeUndefined();
  });
});

describe('what a transfer asks and what it delivered', () => {
  it('keeps the first tokens delivered, and compares what was asked (product ids only where both name one)', () => {
    const tokens = [{ role: 'recharge' as const, token: '12341234123412341234' }];
    expect(withDelivery(null, { tokens, units: '1.0' })).toEqual({ tokens, units: '1.0' });
    expect(withDelivery({ tokens }, { tokens: [{ role: 'recharge', token: '99999999999999999999' }] })).toBeUndefined();
    expect(withDelivery({ product: { kind: 'zesa' } }, undefined)).toBeUndefined();
    expect(sameAsk(null, null)).toBe(true);
    expect(sameAsk(null, { product: { kind: 'data' } })).toBe(false);
    expect(sameAsk({ product: { kind: 'data', id: 200 } }, { product: { kind: 'data' } })).toBe(true);
    expect(sameAsk({ product: { kind: 'data', id: 200 } }, { product: { kind: 'data', id: '201' } })).toBe(false);
    expect(sameAsk({ sms: 'a' }, { sms: 'b' })).toBe(false);
  });

  it('lets only a retried delivery turn failed into delivered', () => {
    expect(judgeTransition('failed', 'delivered', 'callback').kind).toBe('refused');
    expect(judgeTransition('failed', 'delivered', 'retried-delivery').kind).toBe('move');
    expect(judgeTransition('delivered', 'failed', 'retried-delivery').kind).toBe('refused');
    expect(judgeTransition('submitted', 'delivered', 'retried-delivery').kind).toBe('refused');
  });
});

describe('the journal with details (migration 3)', () => {
  let home: ReturnType<typeof tempHome>;
  let journal: Journal;
  const account = makeAccount('africastalking', 'default', 'http://127.0.0.1:1', 'sandbox');
  const base = { account: account.id, provider: 'africastalking', profile: 'default', phone: '+254711000005', amountMinor: 10000, currency: 'KES' } as const;

  beforeEach(async () => {
    home = tempHome();
    journal = openSqliteJournal(join(home.home, 'journal.db'));
    await journal.ensureAccount(account);
  });
  afterEach(async () => {
    await journal.close();
    home.cleanup();
  });

  it('adds one nullable column to an earlier journal and keeps its transfers as plain airtime', async () => {
    await journal.close();
    const file = join(home.home, 'old.db');
    const old = new SqliteDatabase(file, sqliteMigrations.slice(0, 2), 'test@host');
    await old.run(`INSERT INTO accounts (id, provider, profile, endpoint, principal, created_at) VALUES ('a', 'sandbox', 'default', 'embedded', NULL, 'now')`);
    await old.run(
      `INSERT INTO transfers (account, reference, provider, profile, phone, amount_minor, currency, status, created_at, updated_at)
       VALUES ('a', 'old-1', 'sandbox', 'default', '+254711000100', 100, 'KES', 'delivered', 'now', 'now')`,
    );
    await old.close();
    journal = openSqliteJournal(file);
    expect((await journal.byKey('a', 'old-1'))?.details).toBeNull();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
      expect(db.prepare(`SELECT type, "notnull" AS required FROM pragma_table_info('transfers') WHERE name = 'details'`).get()).toEqual({
        type: 'TEXT',
        required: 0,
      });
    } finally {
      db.close();
    }
  });

  it('writes what was asked with the transfer and merges what an answer delivered', async () => {
    const { transfer } = await journal.createTransfer({
      ...base,
      reference: 'z1',
      phone: '37132109846',
      currency: 'USD',
      details: { product: { kind: 'zesa' }, target: 'meter' },
    });
    expect(transfer.details).toEqual({ product: { kind: 'zesa' }, target: 'meter' });
    expect((await journal.claim([{ ids: [transfer.id] }], 'o', () => null)).claimed).toHaveLength(1);
    const tokens = [{ role: 'recharge' as const, token: '12341234123412341234' }];
    await journal.observe(transfer.id, { kind: 'send', cause: 'answer', status: 'delivered', delivered: { tokens, units: '16.6' } });
    expect((await journal.get(transfer.id))?.details).toEqual({ product: { kind: 'zesa' }, target: 'meter', tokens, units: '16.6' });
    // A repeat of the same final answer carrying tokens for the first time still keeps them; a later one does not replace them.
    await journal.observe(transfer.id, {
      kind: 'status',
      cause: 'answer',
      status: 'delivered',
      delivered: { tokens: [{ role: 'recharge', token: '99999999999999999999' }] },
    });
    expect((await journal.get(transfer.id))?.details?.tokens).toEqual(tokens);
  });

  it("accepts Africa's Talking's Success after its Failed within the retry hours, flagged, and refuses it otherwise", async () => {
    const failed = async (reference: string, retryHours?: number) => {
      const { transfer } = await journal.createTransfer({ ...base, reference, ...(retryHours ? { details: { retryHours } } : {}) });
      expect((await journal.claim([{ ids: [transfer.id] }], 'o', () => reference)).claimed).toHaveLength(1);
      await journal.observe(transfer.id, { kind: 'send', cause: 'answer', status: 'submitted', providerReference: `ATQid_${reference}` });
      const form = { phoneNumber: base.phone, status: 'Failed', requestId: `ATQid_${reference}`, value: 'KES 100.0000', description: 'unreachable' };
      const scope = { accounts: new Map([['africastalking' as const, [account.id]]]) };
      const first = await recordCallback(journal, parseAtStatus(form), scope);
      expect(first.transfer?.status).toBe('failed');
      return { scope, form, first };
    };
    const retried = await failed('r1', 4);
    expect(retried.first.transfer?.error).toMatch(/sent with 4h of Africa's Talking retries: a Success until .* is still taken/);
    const success = await recordCallback(
      journal,
      parseAtStatus({ ...retried.form, status: 'Success', description: 'Airtime Delivered Successfully' }),
      retried.scope,
    );
    expect(success).toMatchObject({ outcome: 'moved', flags: ['success-after-failed'] });
    expect(success.transfer?.status).toBe('delivered');

    const plain = await failed('r2');
    const refused = await recordCallback(journal, parseAtStatus({ ...plain.form, status: 'Success' }), plain.scope);
    expect(refused.outcome).toBe('out-of-order');
    expect((await journal.byKey(account.id, 'r2'))?.status).toBe('failed');

    // After the retry hours (and their grace), a Success is no longer the retry's.
    const late = (await journal.byKey(account.id, 'r1')) ?? retried.first.transfer;
    expect(late).toBeDefined();
    const event = parseAtStatus({ ...retried.form, status: 'Success' });
    const lastAttempt = Date.parse(late?.lastAttemptAt ?? '');
    expect(isRetriedDelivery(event, { ...(late as NonNullable<typeof late>), status: 'failed' }, lastAttempt + 4 * 3600_000 + 30 * 60_000)).toBe(true);
    expect(isRetriedDelivery(event, { ...(late as NonNullable<typeof late>), status: 'failed' }, lastAttempt + 5 * 3600_000 + 60_000)).toBe(false);
  });
});
