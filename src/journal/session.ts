import type { Database, Sql, SqlValue } from './sql.js';
import { AccountStore } from './accounts-store.js';
import { TransferStore } from './transfers-store.js';
import { EventStore } from './events-store.js';
import { BatchStore } from './batches-store.js';
import { LeaseStore } from './leases-store.js';
import { PolicyStore } from './policy-store.js';
import { AuditStore } from './audit-store.js';
import { RepeatStore } from './repeats-store.js';

/**
 * What every store of the journal shares: the database, the transaction it is in (if any), the accounts
 * already written, and the audit chain's head with the events buffered for it. A session made by
 * `atomically` runs inside one transaction, and every store reached through it shares that transaction.
 */
export class JournalSession {
  chain: { head: string; count: number; dirty: boolean } | undefined;
  pendingEvents: SqlValue[][] = [];
  readonly accounts = new AccountStore(this);
  readonly transfers = new TransferStore(this);
  readonly events = new EventStore(this);
  readonly batches = new BatchStore(this);
  readonly leases = new LeaseStore(this);
  readonly policies = new PolicyStore(this);
  readonly audit = new AuditStore(this);
  readonly repeats = new RepeatStore(this);

  constructor(
    readonly database: Database,
    readonly sql: Sql,
    readonly inTransaction: boolean,
    readonly knownAccounts: Set<string>,
  ) {}

  /** Who writes: the OS user and host (SQLite) or the database role (PostgreSQL), as every event records it. */
  async whoami(): Promise<string> {
    return this.database.actor();
  }

  /** Runs `work` in one transaction (or in the caller's, when there already is one); buffered events and the chain head are written before it commits. */
  async atomically<T>(work: (journal: JournalSession) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.database.transaction(async (tx) => {
      const inner = new JournalSession(this.database, tx, true, this.knownAccounts);
      const result = await work(inner);
      await inner.events.flushEvents();
      await inner.events.saveChain();
      return result;
    });
  }
}
