import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../../src/core/account.js';
import { chainHash } from '../../src/journal/audit-chain.js';
import { openSqliteJournal } from '../../src/journal/open.js';
import { runCli, tempHome } from '../helpers/cli.js';
import { fillSqliteHistory } from '../helpers/journal-fill.mjs';
import { startPty } from '../helpers/pty.js';

/**
 * What reads the whole journal by nature (issue 27: `audit verify`, `audit export`) says how far it is and how
 * fast on a terminal, and nothing of it on a pipe (stderr stays what it was; stdout is data).
 */
describe('linear passes over a journal with history', () => {
  const home = tempHome();
  const events = 60_000;

  beforeAll(async () => {
    const file = join(home.home, 'journal.db');
    const account = makeAccount('sandbox', 'default', 'embedded', null);
    const journal = openSqliteJournal(file);
    await journal.ensureAccount(account);
    await journal.close();
    const db = new BetterSqlite3(file);
    fillSqliteHistory(db, { account: account.id, chainHash, transfers: events / 2, phones: 2_000 });
    db.close();
  }, 60_000);
  afterAll(() => home.cleanup());

  it('audit verify shows its progress on a terminal, and verifies', async () => {
    const session = startPty(home.home, ['audit', 'verify'], { timeoutMs: 60_000 });
    const { code } = await session.exited;
    expect(code).toBe(0);
    expect(session.text()).toMatch(/verifying the audit chain/);
    expect(session.text()).toContain(`intact: ${events + events / 2_000 / 2} events`);
  }, 70_000);

  it('audit verify and export print no progress off a terminal', async () => {
    const verified = await runCli(home.home, ['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toBe('');
    const exported = await runCli(home.home, ['audit', 'export', '--format', 'csv', '--out', join(home.home, 'trail.csv')]);
    expect(exported.code).toBe(0);
    expect(exported.stderr.trim()).toBe(`${events + events / 2_000 / 2} events written to ${join(home.home, 'trail.csv')}`);
  }, 70_000);

  it('audit export shows its progress on a terminal', async () => {
    const session = startPty(home.home, ['audit', 'export', '--format', 'csv', '--out', join(home.home, 'trail-tty.csv')], { timeoutMs: 60_000 });
    const { code } = await session.exited;
    expect(code).toBe(0);
    expect(session.text()).toMatch(/exporting the audit trail/);
  }, 70_000);
});
