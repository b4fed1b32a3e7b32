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
}

export interface Database extends Sql {
  readonly dialect: Dialect;
  /** Where the journal lives, for messages (a file path, or a URL without its password). */
  readonly location: string;
  /** Runs `work` in one write transaction; nothing else touches the journal from this process meanwhile. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
