import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { Journal } from '../../src/journal/journal.js';
import { tempHome } from '../helpers/cli.js';

describe('Journal', () => {
  let home: ReturnType<typeof tempHome>;
  let journal: Journal;
  const transfer = { reference: 'k1', provider: 'sandbox', profile: 'default', phone: '+254711000100', amountMinor: 10000, currency: 'KES' } as const;

  beforeEach(() => {
    home = tempHome();
    journal = Journal.open(join(home.home, 'journal.db'));
  });
  afterEach(() => {
    journal.close();
    home.cleanup();
  });

  it('is one transfer per key', () => {
    expect(journal.create(transfer).created).toBe(true);
    expect(journal.create({ ...transfer, amountMinor: 1 }).created).toBe(false);
    expect(journal.get('k1')?.amountMinor).toBe(10000);
  });

  it('is owner-only on disk', () => {
    expect(statSync(join(home.home, 'journal.db')).mode & 0o777).toBe(0o600);
  });

  it('claims a transfer for sending once', () => {
    expect(journal.create(transfer).created).toBe(true);
    expect(journal.markSending(['k1'], null)).toEqual(['k1']);
    expect(journal.markSending(['k1'], null)).toEqual([]);
    expect(journal.get('k1')?.status).toBe('sending');
  });

  it('ignores an out-of-order answer after a final state, and records it', () => {
    expect(journal.create(transfer).created).toBe(true);
    expect(journal.markSending(['k1'], null)).toEqual(['k1']);
    expect(journal.observe('k1', { kind: 'send', status: 'delivered', providerReference: 'P1' })?.outcome).toBe('moved');
    const late = journal.observe('k1', { kind: 'callback', status: 'submitted' });
    expect(late?.outcome).toBe('refused');
    expect(journal.get('k1')?.status).toBe('delivered');
    expect(journal.events('k1').at(-1)?.flags).toContain('out-of-order');
  });

  it('records a callback with the same dedupe key once', () => {
    expect(journal.create(transfer).created).toBe(true);
    expect(journal.markSending(['k1'], null)).toEqual(['k1']);
    expect(journal.observe('k1', { kind: 'callback', status: 'delivered', dedupeKey: 'cb-1' })?.outcome).toBe('moved');
    expect(journal.observe('k1', { kind: 'callback', status: 'delivered', dedupeKey: 'cb-1' })?.outcome).toBe('duplicate');
    expect(journal.events('k1').filter((event) => event.kind === 'callback')).toHaveLength(1);
  });

  it('sees writes made by another connection (two processes share the file)', () => {
    const other = Journal.open(join(home.home, 'journal.db'));
    try {
      expect(other.create(transfer).created).toBe(true);
      expect(journal.get('k1')?.status).toBe('queued');
    } finally {
      other.close();
    }
  });
});
