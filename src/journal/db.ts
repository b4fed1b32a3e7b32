import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { ensureDir } from '../config/paths.js';
import { checkPrivateEntry, createPrivateFile } from '../config/private-files.js';

export type Db = Database.Database;

/**
 * Opens a SQLite file in WAL mode with a busy timeout, so a bulk run and a callback listener can write the
 * same journal at once, and brings its schema up to date.
 */
export function openDatabase(file: string, schema: readonly string[]): Db {
  if (file !== ':memory:') openPrivately(file);
  const db = new Database(file);
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

/**
 * A journal is private (0600, as SQLite then gives its -wal and -shm): created exclusively, without
 * following a link, before SQLite opens it; an existing one, and its -wal/-shm, must be the user's own.
 */
function openPrivately(file: string): void {
  ensureDir(dirname(file));
  if (createPrivateFile(file)) return;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) checkPrivateEntry(path);
}
