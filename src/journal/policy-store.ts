import { now } from './rows.js';
import type { JournalSession } from './session.js';

/** The journal's the approval policy: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class PolicyStore {
  constructor(private readonly journal: JournalSession) {}

  /** The policy's settings (`approvals.count`, `approvals.above.<CUR>` in minor units), as stored. */
  async policy(): Promise<Record<string, string>> {
    const rows = await this.journal.sql.all<{ key: string; value: string }>('SELECT key, value FROM policy ORDER BY key');
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  /**
   * Sets (or, with `null`, removes) policy settings and records the change as an event, in one transaction.
   * On PostgreSQL the database refuses anyone outside `airtime_admin`.
   */
  async setPolicy(changes: Readonly<Record<string, string | null>>): Promise<void> {
    await this.journal.atomically(async (journal) => {
      const before = await journal.policies.policy();
      const by = await journal.whoami();
      const at = now();
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) await journal.sql.run('DELETE FROM policy WHERE key = ?', [key]);
        else
          await journal.sql.run(
            'INSERT INTO policy (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at',
            [key, value, by, at],
          );
      }
      const previous = Object.fromEntries(Object.keys(changes).map((key) => [key, before[key] ?? null]));
      await journal.events.insertEvent({ kind: 'policy-set', payload: { changes, previous } });
    });
  }
}
