import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Reads the embedded sandbox's own state, as the provider would see it: the proof of what was paid. */
export function sandboxState(home: string): { transfers: number; maxSendCount: number; keys: Set<string>; deliveredMinor: (currency: string) => number } {
  const file = join(home, 'sandbox.db');
  const nothing = { transfers: 0, maxSendCount: 0, keys: new Set<string>(), deliveredMinor: () => 0 };
  if (!existsSync(file)) return nothing;
  const db = new Database(file, { readonly: true });
  try {
    // The CLI may be creating the file right now: no tables yet is nothing paid yet.
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sim_transfers'`).get()) return nothing;
    const { n, max } = db.prepare('SELECT count(*) AS n, coalesce(max(send_count), 0) AS max FROM sim_transfers').get() as { n: number; max: number };
    const sums = new Map(
      (
        db.prepare(`SELECT currency, sum(amount_minor) AS minor FROM sim_transfers WHERE outcome = 'delivered' GROUP BY currency`).all() as {
          currency: string;
          minor: number;
        }[]
      ).map((row) => [row.currency, row.minor]),
    );
    const keys = new Set((db.prepare('SELECT key FROM sim_transfers').all() as { key: string }[]).map((row) => row.key));
    return { transfers: n, maxSendCount: max, keys, deliveredMinor: (currency) => sums.get(currency) ?? 0 };
  } finally {
    db.close();
  }
}

/** Counts journal rows in given states (another process may be writing: WAL lets us read). */
export function journalCount(home: string, states: string[]): number {
  const file = join(home, 'journal.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const marks = states.map(() => '?').join(',');
    return (db.prepare(`SELECT count(*) AS n FROM transfers WHERE status IN (${marks})`).get(...states) as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/** Every journal row's reference and status, read directly from the file. */
export function journalRows(home: string): { reference: string; status: string; error: string | null }[] {
  const db = new Database(join(home, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT reference, status, error FROM transfers ORDER BY line').all() as { reference: string; status: string; error: string | null }[];
  } finally {
    db.close();
  }
}

/** Every attempt the sandbox saw: transfers plus repeats of a key (what "zero new requests" is measured by). */
export function sandboxAttempts(home: string): number {
  const file = join(home, 'sandbox.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sim_transfers'`).get()) return 0;
    return (db.prepare('SELECT coalesce(sum(send_count), 0) AS n FROM sim_transfers').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Empties the sandbox wallet of a currency but for `leaveMinor` (the provider's own state: a drained account). */
export function drainSandboxWallet(home: string, currency: string, leaveMinor: number): void {
  const db = new Database(join(home, 'sandbox.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE sim_wallet SET committed_minor = opening_minor - ? WHERE currency = ?').run(leaveMinor, currency);
  } finally {
    db.close();
  }
}

/** The journal's batches, read directly from the file. */
export function journalBatches(home: string): { id: string; rows: number; journaled: number; complete: number }[] {
  const db = new Database(join(home, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, rows, journaled, complete FROM batches ORDER BY created_at').all() as {
      id: string;
      rows: number;
      journaled: number;
      complete: number;
    }[];
  } finally {
    db.close();
  }
}
