import { hostname, userInfo } from 'node:os';
import { Journal } from './journal.js';
import { sqliteMigrations } from './migrations.js';
import { SqliteDatabase } from './sqlite.js';

/** The OS user and host: who writes an embedded journal (a PostgreSQL journal names its database role instead). */
export function localActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}

/** Opens the embedded SQLite journal at `file`, bringing its schema up to date. */
export function openSqliteJournal(file: string): Journal {
  return Journal.over(new SqliteDatabase(file, sqliteMigrations), localActor());
}
