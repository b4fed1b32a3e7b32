import type { Account } from '../core/account.js';
import { now } from './rows.js';
import type { JournalSession } from './session.js';

/** The journal's accounts: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class AccountStore {
  constructor(private readonly journal: JournalSession) {}

  async ensureAccount(account: Account): Promise<void> {
    if (this.journal.knownAccounts.has(account.id)) return;
    await this.journal.sql.run(
      'INSERT INTO accounts (id, provider, profile, endpoint, principal, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      [account.id, account.provider, account.profile, account.endpoint, account.principal, now()],
    );
    this.journal.knownAccounts.add(account.id);
  }

  async account(id: string): Promise<Account | undefined> {
    const row = await this.journal.sql.get<{ id: string; provider: string; profile: string; endpoint: string; principal: string | null }>(
      'SELECT * FROM accounts WHERE id = ?',
      [id],
    );
    return row ? { id: row.id, provider: row.provider, profile: row.profile, endpoint: row.endpoint, principal: row.principal } : undefined;
  }
}
