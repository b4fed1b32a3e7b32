import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../config/paths.js';

export type Db = Database.Database;

/**
 * Opens a SQLite file in WAL mode with a busy timeout, so a bulk run and a callback listener can write the
 * same journal at once, and brings its schema up to date.
 */
export function openDatabase(file: string, schema: readonly string[]): Db {
  if (file !== ':memory:') ensureDir(dirname(file));
  const fresh = file === ':memory:' || !existsSync(file);
  const db = new Database(file);
  if (fresh && file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  // FULL: a transfer recorded before a provider call must survive a power cut, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db, schema);
  return db;
}

function migrate(db: Db, schema: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= schema.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < schema.length; index += 1) {
      db.exec(schema[index] ?? '');
    }
    db.pragma(`user_version = ${schema.length}`);
  }).immediate();
}
