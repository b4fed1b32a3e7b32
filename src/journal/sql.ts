/**
 * The little SQL the journal needs, behind one interface so the same journal logic runs on SQLite (the
 * embedded default) and PostgreSQL (team mode). Statements are written once with `?` placeholders in the
 * dialect both databases share (ON CONFLICT, RETURNING, CASE, coalesce); what differs is in `Dialect`.
 */
export type SqlValue = string | number | null;

export interface RunResult {
  readonly changes: number;
}

export interface Sql {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** An SQL expression for the database's own clock as ISO-8601 text with milliseconds (leases across hosts). */
  readonly now: string;
  /**
   * Pins the index a statement reads `table` through, where a plan decides whether its cost grows with the
   * journal: SQLite's `INDEXED BY` (the statement fails to prepare if that index cannot serve it — never a
   * silent scan). PostgreSQL has no hints: its planner keeps statistics itself (autovacuum) and the
   * indexes are shaped so that its cheapest plan is the bounded one. See docs/performance.md.
   */
  readonly via: (table: string, index: string) => string;
  /** `table` read by its primary key only (a list of ids), never through a secondary index (SQLite `NOT INDEXED`). */
  readonly byKey: (table: string) => string;
}

export interface Database extends Sql {
  readonly dialect: Dialect;
  /** Where the journal lives, for messages (a file path, or a URL without its password). */
  readonly location: string;
  /**
   * Runs `work` in one write transaction. Write transactions never interleave: on SQLite the file's write
   * lock (and, within a process, a queue), on PostgreSQL a transaction-scoped advisory lock taken first —
   * so every machine sees the journal change one transaction at a time, as SQLite's BEGIN IMMEDIATE does.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Who writes: the OS user and host (SQLite), or the login the database authenticated, `session_user`,
   * which it enforces on every event (PostgreSQL; a role switched to is refused). Known once the database is open.
   */
  actor(): Promise<string>;
  /** Who we are even where the journal refuses us: the login and the role in effect (PostgreSQL), for `whoami`. */
  identity?(): Promise<{ login: string; role: string; person: boolean }>;
  /** Of these actors, those that are group roles rather than people (PostgreSQL NOLOGIN roles); none on SQLite. */
  groupRoles?(names: readonly string[]): Promise<Set<string>>;
  /** Whether this writer may change the approval policy: anyone on SQLite, members of `airtime_admin` on PostgreSQL. */
  isPolicyAdmin(): Promise<boolean>;
  /**
   * Why what this process writes may no longer be the journal others read: SQLite's file removed or replaced
   * at its path since it was opened (this process still writes the file it opened). Undefined when it is
   * still there (always, for PostgreSQL).
   */
  displaced?(): string | undefined;
  close(): Promise<void>;
}
