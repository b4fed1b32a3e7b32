import BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../config/paths.js';
import { checkPrivateEntry, createPrivateFile } from '../config/private-files.js';
import type { Database, Dialect, RunResult, Sql, SqlValue } from './sql.js';

/** A migration: SQL to execute, or a step that needs code (hashing what SQL cannot). */
export type SqliteMigration = string | ((db: BetterSqlite3.Database) => void);

const dialect: Dialect = {
  name: 'sqlite',
  now: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  via: (table, index) => `${table} INDEXED BY ${index}`,
  byKey: (table) => `${table} NOT INDEXED`,
};

/**
 * The embedded journal: one SQLite file in WAL mode with a busy timeout, so a bulk run and a callback
 * listener (two processes) can write it at once. better-sqlite3 is synchronous; a transaction that awaits
 * between statements holds a lock in this process so that nothing else runs inside it meanwhile.
 */
export class SqliteDatabase implements Database {
  readonly dialect = dialect;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private lock: Promise<void> = Promise.resolve();
  private pending = 0;
  /** The file opened, as the file system names it (device and inode): the path may later name another file, or none. */
  private readonly opened: { readonly dev: number; readonly ino: number } | undefined;

  constructor(
    readonly location: string,
    migrations: readonly SqliteMigration[],
    private readonly writer: string,
  ) {
    if (location !== ':memory:') openPrivately(location);
    this.db = new BetterSqlite3(location);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    // FULL: a transfer recorded before a provider call must survive a power cut, not just a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db, migrations);
    capSize(this.db);
    this.opened = location === ':memory:' ? undefined : identity(location);
  }

  displaced(): string | undefined {
    if (!this.opened) return undefined;
    const now = identity(this.location);
    const what = !now ? 'removed' : now.dev !== this.opened.dev || now.ino !== this.opened.ino ? 'replaced by another file' : undefined;
    if (!what) return undefined;
    return `the journal ${this.location} was ${what} while this command was writing to it: what it did is recorded only in the file it opened, which no later command reads — compare with the provider's records before paying anyone again, and restore the journal from that file or a backup`;
  }

  /** The schema version (how many migrations ran). */
  get version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    await this.idle();
    return this.statement(sql).all(...params) as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    await this.idle();
    return this.statement(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    await this.idle();
    return { changes: this.statement(sql).run(...params).changes };
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise<void>((resolve) => (release = resolve));
    this.pending += 1;
    await previous;
    const tx = this.inside();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const result = await work(tx);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.pending -= 1;
      release();
    }
  }

  actor(): Promise<string> {
    return Promise.resolve(this.writer);
  }

  /** Whoever can write the file can change anything in it: the policy is a shared agreement, not a lock. */
  isPolicyAdmin(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async close(): Promise<void> {
    await this.idle();
    keepStatistics(this.db);
    this.db.close();
  }

  /** Statements outside a transaction wait for the transactions queued before them. */
  private async idle(): Promise<void> {
    if (this.pending > 0) await this.lock;
  }

  private inside(): Sql {
    return {
      all: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(this.statement(sql).all(...params) as T[]),
      get: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(this.statement(sql).get(...params) as T | undefined),
      run: (sql: string, params: readonly SqlValue[] = []) => Promise.resolve({ changes: this.statement(sql).run(...params).changes }),
    };
  }

  /** Prepared once per text: preparing is a large part of a statement's cost. */
  private statement(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Statistics kept the way SQLite recommends for short-lived connections (https://sqlite.org/lang_analyze.html):
 * `PRAGMA optimize` before closing, which re-analyses only the tables this connection's queries used and
 * whose size changed a lot since, reading at most `analysis_limit` rows of each index — milliseconds, and
 * most closes nothing at all. Plans on the paying path do not rest on it (they name their index); it keeps
 * the rest honest. Never in the way: it does not wait for another writer's lock, and a journal it cannot
 * write (full disk, read-only) is closed as it is.
 */
function keepStatistics(db: BetterSqlite3.Database): void {
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('analysis_limit = 1000');
    db.pragma('optimize');
  } catch {
    // Statistics are an optimisation: a close never fails for them.
  }
}

/**
 * Test-only: `AIRTIME_JOURNAL_MAX_PAGES=N` caps the journal at N pages (at least its current size), so a
 * write that needs a new page fails with SQLITE_FULL as on a full disk — how tests show that a journal that
 * cannot be written loses nothing. Applied after the migrations, to this connection only.
 */
function capSize(db: BetterSqlite3.Database): void {
  const pages = Number(process.env.AIRTIME_JOURNAL_MAX_PAGES);
  if (Number.isInteger(pages) && pages > 0) db.pragma(`max_page_count = ${pages}`);
}

function migrate(db: BetterSqlite3.Database, migrations: readonly SqliteMigration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= migrations.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let index = version; index < migrations.length; index += 1) {
      const step = migrations[index];
      if (typeof step === 'string') db.exec(step);
      else step?.(db);
    }
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

function identity(path: string): { dev: number; ino: number } | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
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
