import pg from 'pg';
import { AirtimeError, configError, failedError } from '../core/errors.js';
import { maskJournalUrl } from '../config/journal-url.js';
import { failpoint } from '../failpoints.js';
import type { Database, Dialect, RunResult, Sql, SqlValue } from './sql.js';

const dialect: Dialect = {
  name: 'postgres',
  // clock_timestamp(), not now(): a transaction that waited for the write lock must not stamp a heartbeat in the past.
  now: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  via: (table) => table,
  byKey: (table) => table,
};

/** Keys of the advisory locks (any two constants the journal owns): schema changes, and one writer at a time. */
const migrationLock = 7_103_262_014;
const writeLock = 7_103_262_015;

/** BIGINT (int8) is read as a number: ids, money in minor units and counts all fit below 2^53. */
const types = new pg.TypeOverrides();
types.setTypeParser(20, 'text', Number);

/**
 * `?` placeholders (written once for both stores) as PostgreSQL's `$1, $2, …`. Hand-written: pg takes only
 * numbered parameters, and the journal's statements never put a `?` inside a string literal — which this
 * still respects, so a literal stays literal.
 */
export function numberedPlaceholders(sql: string): string {
  let index = 0;
  let quoted = false;
  let out = '';
  for (const char of sql) {
    if (char === "'") quoted = !quoted;
    if (char === '?' && !quoted) {
      index += 1;
      out += `$${index}`;
    } else out += char;
  }
  return out;
}

interface Opened {
  /** The login the server authenticated (`session_user`): who every event names. */
  readonly actor: string;
  /** The role in effect (`current_user`): another one only after SET ROLE, which the journal refuses. */
  readonly role: string;
  /** Whether the login can log in at all (false: a group role, reached by a superuser's SET SESSION AUTHORIZATION). */
  readonly person: boolean;
  readonly admin: boolean;
}

/**
 * The team journal: one PostgreSQL database shared by every operator's machine. The pool connects on first
 * use (so opening is synchronous and commands need no extra `await`), brings the schema up to date under an
 * advisory lock (two processes starting at once migrate once) and reads who we are: the authenticated login
 * (`session_user`), which the database enforces on every event — never a role switched to (SET ROLE, or
 * `options=-c role=…` in the URL), under which it refuses every write and so does airtime, at once. Write transactions take a transaction-scoped advisory lock first,
 * so transactions from every machine apply one at a time, in the order of the audit chain.
 */
export class PostgresDatabase implements Database {
  readonly dialect = dialect;
  readonly location: string;
  private readonly pool: pg.Pool;
  private opened: Promise<Opened> | undefined;

  constructor(
    url: string,
    private readonly migrations: readonly string[],
    options: { poolSize?: number } = {},
  ) {
    this.location = maskJournalUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 8,
      types,
      application_name: 'airtime',
      // Every write transaction holds the team's one write lock: a process stopped inside one (Ctrl-Z, a laptop
      // closed, a partition) would stop every operator's writes until it woke. The server ends such a session
      // after this long; its transaction rolls back (nothing it wrote in it counts), and it fails when it wakes.
      idle_in_transaction_session_timeout: idleInTransactionMs(process.env),
    });
    // An idle connection the server dropped must not crash the process: the next statement reports it.
    this.pool.on('error', () => undefined);
    // Likewise a connection ended while checked out (e.g. its session timed out while we were stopped): the
    // statement in flight, or the next, fails and says so; the event itself must not kill the process.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    await this.person();
    return (await this.query(this.pool, sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    await this.person();
    return { changes: (await this.query(this.pool, sql, params)).rowCount ?? 0 };
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    await this.person();
    const client = await this.connect();
    let unusable = false;
    try {
      await this.query(client, 'BEGIN', []);
      await this.query(client, 'SELECT pg_advisory_xact_lock(?)', [writeLock]);
      failpoint('inside-write');
      const result = await work(this.inside(client));
      await this.query(client, 'COMMIT', []);
      return result;
    } catch (error) {
      // A connection whose rollback failed is not given back to the pool as if it were clean.
      await client.query('ROLLBACK').catch(() => (unusable = true));
      throw error;
    } finally {
      client.release(unusable);
    }
  }

  async actor(): Promise<string> {
    return (await this.person()).actor;
  }

  async isPolicyAdmin(): Promise<boolean> {
    return (await this.person()).admin;
  }

  /** Who we are, even when the journal would refuse us (for `whoami`): the login, and the role set over it if any. */
  async identity(): Promise<{ login: string; role: string; person: boolean }> {
    const { actor, role, person } = await this.ready();
    return { login: actor, role, person };
  }

  /** Roles among `names` that are not people: they exist and cannot log in (`airtime_operator`, `airtime_admin`, any NOLOGIN role). */
  async groupRoles(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.all<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname IN (${names.map(() => '?').join(', ')}) AND NOT rolcanlogin`,
      names,
    );
    return new Set(rows.map((row) => row.rolname));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private ready(): Promise<Opened> {
    this.opened ??= this.open();
    return this.opened;
  }

  /**
   * `ready`, refusing a session that is not a person acting as themselves: the database refuses its writes
   * anyway (PostgreSQL migration 4); saying so before anything is read or asked of a provider is clearer.
   */
  private async person(): Promise<Opened> {
    const opened = await this.ready();
    if (opened.role !== opened.actor) {
      throw configError(
        `you logged in to the journal at ${this.location} as ${opened.actor} but act as role ${opened.role} (SET ROLE, or options=-c role=… in the URL): the journal records the login and refuses writes under another role`,
        'remove the role option from the journal URL (or PGOPTIONS) and connect as yourself',
      );
    }
    if (!opened.person) {
      throw configError(
        `${opened.actor} is a group role (it cannot log in): a group role is never a planner, an approver or a writer of the journal at ${this.location}`,
        'connect as your own login, a member of airtime_operator',
      );
    }
    return opened;
  }

  private async open(): Promise<Opened> {
    const client = await this.connect();
    try {
      await migrate(client, this.migrations, this.location);
      const { rows } = await client.query<{ actor: string; role: string; person: boolean | null; admin: boolean }>(
        `SELECT session_user::text AS actor, current_user::text AS role,
           (SELECT rolcanlogin FROM pg_roles WHERE rolname = session_user) AS person,
           pg_has_role(session_user, 'airtime_admin', 'MEMBER') AS admin`,
      );
      const row = rows[0];
      if (!row) throw new Error('PostgreSQL did not say who we are');
      return { actor: row.actor, role: row.role, person: row.person !== false, admin: row.admin };
    } catch (error) {
      // Opening is all configuration: the server, the role, its password and privileges, the schema.
      throw this.explain(error, 'cannot reach');
    } finally {
      client.release();
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.explain(error, 'cannot reach');
    }
  }

  private async query(on: pg.Pool | pg.PoolClient, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    try {
      return await on.query(numberedPlaceholders(sql), params as SqlValue[]);
    } catch (error) {
      throw this.explain(error, 'lost');
    }
  }

  private inside(client: pg.PoolClient): Sql {
    return {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await this.query(client, sql, params)).rows as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => (await this.query(client, sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => ({ changes: (await this.query(client, sql, params)).rowCount ?? 0 }),
    };
  }

  /** A connection or authentication problem said in one line, with the URL's password left out; anything else is passed on. */
  private explain(error: unknown, what: 'cannot reach' | 'lost'): unknown {
    if (error instanceof AirtimeError) return error;
    const code = (error as { code?: string }).code ?? '';
    const message = error instanceof Error ? error.message : String(error);
    if (code === '42501') {
      return configError(
        `the journal at ${this.location} refused: ${message}`,
        'ask its owner or a member of airtime_admin for what is missing (operators need: GRANT airtime_operator TO <role>)',
      );
    }
    if (/SASL|password must be|password authentication|no password/i.test(message)) {
      return configError(
        // The driver's SCRAM words for "no password given" (issue 23) are said as such; a wrong password keeps the server's words.
        `the journal at ${this.location} needs its role's password${/SCRAM|password must be a string|no password/i.test(message) ? ' and none was given' : `: ${message}`}`,
        'set PGPASSWORD, or put it in ~/.pgpass (a password in the URL works too: it is masked everywhere)',
      );
    }
    if (/\bSSL\b|self[- ]signed|certificate/i.test(message)) {
      const mode = sslMode(this.location);
      return configError(
        `the journal at ${this.location} and airtime could not agree on SSL${mode === undefined ? '' : ` (sslmode=${mode})`}: ${message}`,
        "set sslmode in the URL to what the server offers: disable, require or verify-full (with the server's CA in PGSSLROOTCERT)",
      );
    }
    if (code === '28P01' || code === '28000' || code === '3D000' || code === 'ENOTFOUND') {
      return configError(
        `the journal at ${this.location} refused us: ${message}`,
        "check the URL ('airtime config get journal' or AIRTIME_JOURNAL_URL), the role's password (PGPASSWORD) and its membership of airtime_operator",
      );
    }
    // 25P03: the server ended this session for sitting idle inside a transaction (the process was stopped).
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|57P0[1-3]|25P03|08...)$/.test(code) || /Connection terminated|not queryable/i.test(message)) {
      return what === 'cannot reach'
        ? configError(`cannot reach the journal at ${this.location}: ${message}`, 'is PostgreSQL running there? nothing was sent')
        : failedError(
            `the journal at ${this.location} stopped answering (${message}): nothing more is sent; whatever was in flight is in the journal — run the same command again to resume`,
          );
    }
    if (what === 'cannot reach' && !(error instanceof AirtimeError)) {
      return configError(`cannot open the journal at ${this.location}: ${message}`, "check the URL ('airtime config get journal' or AIRTIME_JOURNAL_URL)");
    }
    return error;
  }
}

/** The URL's sslmode, to name it when SSL fails (the location is masked, but keeps its query). */
function sslMode(location: string): string | undefined {
  try {
    return new URL(location).searchParams.get('sslmode') ?? undefined;
  } catch {
    return undefined;
  }
}

/** How long a session may sit idle inside a transaction: 20 s, or `AIRTIME_PG_IDLE_IN_TRANSACTION_MS`. */
function idleInTransactionMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.AIRTIME_PG_IDLE_IN_TRANSACTION_MS);
  return Number.isInteger(value) && value > 0 ? value : 20_000;
}

/** Applies the migrations not yet applied, once, even when several processes start at the same moment. */
async function migrate(client: pg.PoolClient, migrations: readonly string[], location: string): Promise<void> {
  // Most opens find the schema current and need no lock (and operators may not hold the privileges to change it).
  const found = await schemaVersion(client);
  if (found >= migrations.length) return;
  await client.query('SELECT pg_advisory_lock($1)', [migrationLock]);
  try {
    try {
      await client.query('CREATE TABLE IF NOT EXISTS airtime_schema (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    } catch (error) {
      // An operator meeting a journal that this version of airtime must first bring up to date.
      if ((error as { code?: string }).code !== '42501' || found === 0) throw error;
      throw configError(
        `the journal at ${location} is at schema version ${found} and this airtime needs version ${migrations.length}: its owner must upgrade it first`,
        'the owner (or a role that may create tables and triggers there) runs any airtime command against it once, e.g. airtime whoami; operators are then let in as before',
      );
    }
    for (let version = await schemaVersion(client); version < migrations.length; version += 1) {
      await client.query('BEGIN');
      try {
        await client.query(migrations[version] ?? '');
        await client.query(`INSERT INTO airtime_schema (version, applied_at) VALUES ($1, ${dialect.now})`, [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        const message = error instanceof Error ? error.message : String(error);
        throw configError(
          `cannot set up the journal at ${location} (schema version ${version + 1}): ${message}`,
          'the first use of a new journal must be by a role that may create tables and roles there (its owner, e.g. postgres): see the README, Team mode',
        );
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]);
  }
}

async function schemaVersion(client: pg.PoolClient): Promise<number> {
  const { rows: exists } = await client.query<{ found: boolean }>(`SELECT to_regclass('airtime_schema') IS NOT NULL AS found`);
  if (!exists[0]?.found) return 0;
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM airtime_schema');
  return Number(rows[0]?.version ?? 0);
}
