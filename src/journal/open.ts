import { hostname, userInfo } from 'node:os';
import type { JournalLocation } from '../config/journal-url.js';
import { Journal } from './journal.js';
import { sqliteMigrations } from './migrations.js';
import { postgresMigrations } from './postgres-migrations.js';
import { PostgresDatabase } from './postgres.js';
import type { Database } from './sql.js';
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
export function openSqliteJournal(file: string, actor = localActor()): Journal {
  return Journal.over(new SqliteDatabase(file, sqliteMigrations, actor));
}

/** Opens a PostgreSQL journal. Nothing connects until the first statement: opening cannot fail, using it can. */
export function openPostgresJournal(url: string, options: { poolSize?: number } = {}): Journal {
  return Journal.over(new PostgresDatabase(url, postgresMigrations, options));
}

/** The database behind a journal location (for tools that copy between journals). */
export function openDatabase(location: JournalLocation): Database {
  return location.kind === 'sqlite'
    ? new SqliteDatabase(location.file, sqliteMigrations, localActor())
    : new PostgresDatabase(location.url, postgresMigrations);
}

export function openJournal(location: JournalLocation): Journal {
  return location.kind === 'sqlite' ? openSqliteJournal(location.file) : openPostgresJournal(location.url);
}
