import { LeaseRow, toLease, opaque } from './rows.js';
import type { Holder, LeaseInfo, LeaseResult } from './records.js';
import type { JournalSession } from './session.js';

/** The journal's leases: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class LeaseStore {
  constructor(private readonly journal: JournalSession) {}

  /**
   * Takes the lease `name` for `holder`, or says who holds it. What `local` knows decides first: a holder
   * known to be alive (a live process on this host) is never taken over, one known to be gone (its process
   * ended) is at once. Otherwise (another host) a holder silent for longer than the lease's time-to-live (by
   * the journal's own clock) is taken over. `onTakeover` runs in the same transaction (e.g. to take over the
   * old holder's claims).
   * @mustUse
   */
  async acquireLease(
    name: string,
    holder: Holder,
    ttlMs: number,
    onTakeover?: (journal: JournalSession, previous: LeaseInfo) => Promise<void>,
    /** 'alive' (never taken over), 'gone' (not waited for) or undefined (unknown here: the time-to-live decides). */
    local?: (lease: LeaseInfo) => 'alive' | 'gone' | undefined,
  ): Promise<LeaseResult> {
    return this.journal.atomically(async (journal) => {
      const { now: clock } = this.journal.database.dialect;
      const row = await journal.sql.get<LeaseRow>(`SELECT *, ${clock} AS db_now FROM leases WHERE name = ?`, [name]);
      if (!row) {
        await journal.sql.run(
          `INSERT INTO leases (name, holder, pid, host, actor, started, ttl_ms, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ${clock}, ${clock})`,
          [name, holder.id, holder.pid, holder.host, holder.actor, holder.started ?? null, ttlMs],
        );
        return { acquired: true, tookOverFrom: null };
      }
      const current = toLease(row);
      if (current.id !== holder.id) {
        const known = local?.(current);
        if (known === 'alive' || (known === undefined && current.silentMs <= current.ttlMs)) return { acquired: false, heldBy: current };
      }
      await journal.sql.run(
        `UPDATE leases SET holder = ?, pid = ?, host = ?, actor = ?, started = ?, ttl_ms = ?, acquired_at = ${clock}, heartbeat_at = ${clock} WHERE name = ?`,
        [holder.id, holder.pid, holder.host, holder.actor, holder.started ?? null, ttlMs, name],
      );
      if (current.id === holder.id) return { acquired: true, tookOverFrom: null };
      await onTakeover?.(journal, current);
      return { acquired: true, tookOverFrom: current };
    });
  }

  /** Renews a lease; false when someone else took it (the holder must stop sending). */
  async heartbeat(name: string, holderId: string): Promise<boolean> {
    const { changes } = await this.journal.sql.run(`UPDATE leases SET heartbeat_at = ${this.journal.database.dialect.now} WHERE name = ? AND holder = ?`, [
      name,
      holderId,
    ]);
    return changes === 1;
  }

  async releaseLease(name: string, holderId: string): Promise<void> {
    await this.journal.sql.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holderId]);
  }

  /** Every lease recorded (held, or left by a run that ended without releasing it): `journal migrate` asks who is running. */
  async leases(): Promise<(LeaseInfo & { readonly name: string })[]> {
    const rows = await this.journal.sql.all<LeaseRow>(`SELECT *, ${this.journal.database.dialect.now} AS db_now FROM leases ORDER BY name`);
    return rows.map((row) => ({ ...toLease(row), name: row.name }));
  }

  async lease(name: string): Promise<LeaseInfo | undefined> {
    const row = await this.journal.sql.get<LeaseRow>(`SELECT *, ${this.journal.database.dialect.now} AS db_now FROM leases WHERE name = ?`, [name]);
    return row ? toLease(row) : undefined;
  }

  /** Claims left by a holder whose lease was taken over become the new holder's (so the old one's re-check fails). */
  async takeOverClaims(batchId: string, from: string, to: string): Promise<number> {
    const { changes } = await this.journal.sql.run(
      `UPDATE ${this.journal.database.dialect.via('transfers', 'transfers_by_batch')} SET claim_owner = ? WHERE batch_id = ? AND ${opaque('status')} = 'sending' AND claim_owner = ?`,
      [to, batchId, from],
    );
    return changes;
  }
}
