import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A URL of the test server for `database` as `user` (the server trusts loopback: passwords are ignored). */
export function pgUrl(database: string, user?: string, password?: string): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${database}`;
  if (user) url.username = user;
  if (password) url.password = password;
  return url.toString();
}

/** Runs statements as the server's superuser, in `database`. */
export async function asSuperuser<T = Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: pgUrl(database) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A new, empty database for one test: tests never share a journal. Returns its name and superuser URL. */
export async function freshDatabase(prefix = 'journal'): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await asSuperuser('postgres', `CREATE DATABASE ${name}`);
  return { name, url: pgUrl(name) };
}

/** A login role that may use journals (and, with `admin`, change their policy). Roles are server-wide: names are unique per test. */
export async function createOperator(database: string, prefix: string, options: { admin?: boolean } = {}): Promise<string> {
  const role = `${prefix}_${randomBytes(4).toString('hex')}`;
  await asSuperuser(database, `CREATE ROLE ${role} LOGIN; GRANT ${options.admin ? 'airtime_admin' : 'airtime_operator'} TO ${role}`);
  return role;
}
