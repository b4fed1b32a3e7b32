export interface RunningPostgres {
  readonly port: number;
  /** A URL for `database` as `user` (trust authentication: any password is ignored). */
  url(database?: string, user?: string): string;
  readonly adminUrl: string;
  stop(): void;
}

export function findPostgresBin(): string;
export function startPostgres(options?: { durable?: boolean }): Promise<RunningPostgres>;
