import { describe, expect, it } from 'vitest';
import { mayHavePaid, retryGraceMs } from '../../src/core/possibly-paid.js';

describe('what the repeat guard counts as possibly paid', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString();
  const base = { provider: 'africastalking', lastAttemptAt: at(1), retryHours: 0 } as const;

  it('counts money sent or in flight, and nothing that provably never left', () => {
    for (const status of ['sending', 'submitted', 'delivered', 'unknown'] as const) expect(mayHavePaid({ ...base, status }, now)).toBe(true);
    for (const status of ['queued', 'cancelled'] as const) expect(mayHavePaid({ ...base, status }, now)).toBe(false);
  });

  it('counts a failure or a reversal only on proof: the provider’s word, or AT done retrying', () => {
    expect(mayHavePaid({ ...base, status: 'failed' }, now)).toBe(false);
    expect(mayHavePaid({ ...base, status: 'reversed' }, now)).toBe(false);
    // Reported only by a callback nothing authenticated.
    expect(mayHavePaid({ ...base, status: 'failed', unverifiedFailure: true }, now)).toBe(true);
    expect(mayHavePaid({ ...base, status: 'reversed', unverifiedFailure: true }, now)).toBe(true);
    // AT still retrying (4 hours, last attempt 1 hour ago), and just past the hours plus the grace.
    expect(mayHavePaid({ ...base, status: 'failed', retryHours: 4 }, now)).toBe(true);
    expect(mayHavePaid({ ...base, status: 'failed', retryHours: 4, lastAttemptAt: at(4 + retryGraceMs / 3600_000 + 0.01) }, now)).toBe(false);
    expect(mayHavePaid({ ...base, provider: 'zw', status: 'failed', retryHours: 4 }, now)).toBe(false);
  });

  it('counts a transfer an operator put back to queued without the provider’s confirmation, queued, resent and failed alike', () => {
    for (const status of ['queued', 'failed', 'reversed'] as const) expect(mayHavePaid({ ...base, status, unprovenRequeue: true }, now)).toBe(true);
    expect(mayHavePaid({ ...base, status: 'cancelled', unprovenRequeue: true }, now)).toBe(false);
  });

  it('counts a row queued again on an assumption ("not found"), not one queued on proof that nothing left', () => {
    expect(mayHavePaid({ ...base, provider: 'zw', status: 'queued', possiblyTaken: true }, now)).toBe(true);
    expect(mayHavePaid({ ...base, provider: 'zw', status: 'queued', possiblyTaken: false }, now)).toBe(false);
  });
});
