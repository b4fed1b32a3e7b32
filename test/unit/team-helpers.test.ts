import { describe, expect, it } from 'vitest';
import { checkJournalUrl, maskJournalUrl } from '../../src/config/journal-url.js';
import { numberedPlaceholders } from '../../src/journal/postgres.js';
import { approvalsNeeded, policyChange, policyRemoval, readPolicy } from '../../src/transfers/policy.js';

describe('approval policy', () => {
  it('reads thresholds per currency in minor units', () => {
    expect(policyChange('approvals.above', '50000 KES')).toEqual({ 'approvals.above.KES': '5000000' });
    expect(policyChange('approvals.above', '50,000 kes, UGX 1000000')).toEqual({ 'approvals.above.KES': '5000000', 'approvals.above.UGX': '1000000' });
    expect(policyChange('approvals.above.KES', '250.50')).toEqual({ 'approvals.above.KES': '25050' });
    expect(policyChange('approvals.count', '2')).toEqual({ 'approvals.count': '2' });
  });

  it('refuses what it cannot read, naming the value', () => {
    expect(() => policyChange('approvals.above', '50000')).toThrow(/"50000" is not an amount with its currency/);
    expect(() => policyChange('approvals.above.KES', '5 UGX')).toThrow(/names UGX, not KES/);
    expect(() => policyChange('approvals.count', 'two')).toThrow(/not a whole number/);
    expect(() => policyChange('approvals.below', '1 KES')).toThrow(/not known/);
  });

  it('needs approval only strictly above a currency threshold, and one approval by default', () => {
    const policy = readPolicy({ 'approvals.above.KES': '5000000' });
    expect(policy.count).toBe(1);
    expect(approvalsNeeded(policy, { KES: 5000000 })).toBe(0);
    expect(approvalsNeeded(policy, { KES: 5000001 })).toBe(1);
    // Fails closed: once a policy exists, a currency it does not name needs approval for any amount.
    expect(approvalsNeeded(policy, { UGX: 1 })).toBe(1);
    expect(approvalsNeeded(policy, { UGX: 0 })).toBe(0);
    expect(approvalsNeeded(readPolicy({}), { UGX: 99999999 })).toBe(0);
    expect(approvalsNeeded(readPolicy({ 'approvals.above.KES': '1', 'approvals.count': '0' }), { KES: 100 })).toBe(0);
    expect(policyRemoval('approvals.above', { 'approvals.above.KES': '1', 'approvals.above.UGX': '2', 'approvals.count': '1' })).toEqual({
      'approvals.above.KES': null,
      'approvals.above.UGX': null,
    });
  });
});

describe('journal URL', () => {
  it('masks the password wherever it is', () => {
    expect(maskJournalUrl('postgres://alice:s3cr%40t@db:5432/airtime')).toBe('postgres://alice:••••@db:5432/airtime');
    expect(maskJournalUrl('postgresql://alice@db/airtime?password=x&sslmode=require')).toBe('postgresql://alice@db/airtime?password=••••&sslmode=require');
    expect(maskJournalUrl('postgres://alice@db/airtime')).toBe('postgres://alice@db/airtime');
  });

  it('takes only postgres URLs', () => {
    expect(checkJournalUrl(' postgres://a@b/c ')).toBe('postgres://a@b/c');
    expect(() => checkJournalUrl('/home/me/journal.db')).toThrow(/not a URL/);
    expect(() => checkJournalUrl('mysql://a:pw@b/c')).toThrow(/"mysql:\/\/a:••••@b\/c" is not a postgres:\/\/ URL/);
  });
});

describe('placeholders', () => {
  it('numbers ? for PostgreSQL, leaving string literals alone', () => {
    expect(numberedPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?' AND c IN (?, ?)")).toBe("SELECT * FROM t WHERE a = $1 AND b = '?' AND c IN ($2, $3)");
  });
});
