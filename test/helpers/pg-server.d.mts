export interface RunningPostgres {
  readonly port: number;
  /** A URL for `database` as `user` (trust authentication: any password is ignored). */
  url(database?: string, user?: string): string;
  readonly adminUrl: string;
  /** Which binaries run it, or `url` for a server AIRTIME_TEST_PG_URL names. */
  readonly source: 'embedded' | 'system' | 'url';
  /** The directory of the initdb/pg_ctl that run it (undefined for AIRTIME_TEST_PG_URL). */
  readonly bin: string | undefined;
  stop(): void;
}

export function findEmbeddedPostgresBin(): Promise<string | undefined>;
export function findSystemPostgresBin(): string | undefined;
export function findPostgresBin(): Promise<{ bin: string; source: 'embedded' | 'system' }>;
export function startPostgres(options?: { durable?: boolean; password?: string }): Promise<RunningPostgres>;
export function startTestPostgres(options?: { durable?: boolean }): Promise<RunningPostgres>;
export function reachableBin(bin: string, user: { uid: number; gid: number }): string;
