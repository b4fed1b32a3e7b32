import type BetterSqlite3 from 'better-sqlite3';
import { chainHash, genesisHash } from './audit-chain.js';
import { legacyAccountId } from '../core/account.js';
import type { SqliteMigration } from './sqlite.js';

/**
 * The SQLite journal's migrations, applied in order; `PRAGMA user_version` records how many have run.
 * Never edit a shipped migration: add a new one.
 */
const version1 = `
  CREATE TABLE batches (
    id            TEXT PRIMARY KEY,
    file_name     TEXT NOT NULL,
    file_hash     TEXT NOT NULL,
    provider      TEXT NOT NULL,
    profile       TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );
  CREATE UNIQUE INDEX batches_by_file ON batches (file_hash, provider, profile);

  CREATE TABLE transfers (
    reference           TEXT PRIMARY KEY,
    provider            TEXT NOT NULL,
    profile             TEXT NOT NULL,
    phone               TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL,
    provider_reference  TEXT,
    request_reference   TEXT,
    error               TEXT,
    note                TEXT,
    batch_id            TEXT REFERENCES batches (id),
    line                INTEGER,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
  );
  CREATE INDEX transfers_by_batch ON transfers (batch_id, line);
  CREATE INDEX transfers_by_status ON transfers (status);
  CREATE INDEX transfers_by_provider_reference ON transfers (provider, provider_reference);
  CREATE INDEX transfers_by_created ON transfers (created_at);

  CREATE TABLE events (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_reference  TEXT,
    kind                TEXT NOT NULL,
    from_status         TEXT,
    to_status           TEXT,
    flags               TEXT,
    payload             TEXT,
    dedupe_key          TEXT,
    created_at          TEXT NOT NULL
  );
  CREATE INDEX events_by_transfer ON events (transfer_reference, id);
  CREATE UNIQUE INDEX events_by_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
`;

/**
 * Version 2: keys belong to accounts, batches are identified by content and carry a completeness mark,
 * runs hold leases, and events name who did what in a hash chain.
 */
export const journalSchema = `
  CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    profile     TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    principal   TEXT,
    created_at  TEXT NOT NULL
  );

  CREATE TABLE batches (
    id            TEXT PRIMARY KEY,
    account       TEXT NOT NULL REFERENCES accounts (id),
    provider      TEXT NOT NULL,
    profile       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    file_path     TEXT,
    file_hash     TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    rows          INTEGER NOT NULL,
    file_rows     INTEGER NOT NULL,
    invalid       INTEGER NOT NULL DEFAULT 0,
    journaled     INTEGER NOT NULL DEFAULT 0,
    complete      INTEGER NOT NULL DEFAULT 0,
    totals        TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );
  CREATE UNIQUE INDEX batches_by_content ON batches (account, fingerprint);
  CREATE INDEX batches_by_created ON batches (created_at);

  CREATE TABLE transfers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account             TEXT NOT NULL REFERENCES accounts (id),
    reference           TEXT NOT NULL,
    provider            TEXT NOT NULL,
    profile             TEXT NOT NULL,
    phone               TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL,
    provider_reference  TEXT,
    request_reference   TEXT,
    error               TEXT,
    note                TEXT,
    batch_id            TEXT REFERENCES batches (id),
    line                INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    first_attempt_at    TEXT,
    last_attempt_at     TEXT,
    claim_owner         TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
  );
  CREATE UNIQUE INDEX transfers_by_key ON transfers (account, reference);
  CREATE INDEX transfers_by_reference ON transfers (reference);
  CREATE INDEX transfers_by_batch ON transfers (batch_id, line);
  CREATE INDEX transfers_by_status ON transfers (status);
  CREATE INDEX transfers_by_provider_reference ON transfers (provider, provider_reference);
  CREATE INDEX transfers_by_request_reference ON transfers (request_reference);
  CREATE INDEX transfers_by_recipient ON transfers (phone, amount_minor, currency, created_at);
  CREATE INDEX transfers_by_created ON transfers (created_at);
  CREATE INDEX transfers_by_attempt ON transfers (last_attempt_at);

  CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    transfer_id   INTEGER REFERENCES transfers (id),
    batch_id      TEXT,
    kind          TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT,
    flags         TEXT,
    payload       TEXT,
    dedupe_key    TEXT,
    actor         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
  );
  CREATE INDEX events_by_transfer ON events (transfer_id, id);
  CREATE INDEX events_by_batch ON events (batch_id, id);
  CREATE UNIQUE INDEX events_by_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;

  CREATE TABLE chain (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    head   TEXT NOT NULL,
    count  INTEGER NOT NULL
  );
  INSERT INTO chain (id, head, count) VALUES (1, '${genesisHash}', 0);

  CREATE TABLE leases (
    name          TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    pid           INTEGER,
    host          TEXT,
    actor         TEXT,
    ttl_ms        INTEGER NOT NULL,
    acquired_at   TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
  );
`;

interface LegacyEvent {
  id: number;
  transfer_reference: string | null;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  flags: string | null;
  payload: string | null;
  dedupe_key: string | null;
  created_at: string;
}

/** Version 1 → 2, keeping every record: legacy keys belong to a legacy account per provider and profile. */
function toVersion2(db: BetterSqlite3.Database): void {
  db.exec(`
    ALTER TABLE events RENAME TO events_v1;
    ALTER TABLE transfers RENAME TO transfers_v1;
    ALTER TABLE batches RENAME TO batches_v1;
    DROP INDEX batches_by_file;
    DROP INDEX transfers_by_batch;
    DROP INDEX transfers_by_status;
    DROP INDEX transfers_by_provider_reference;
    DROP INDEX transfers_by_created;
    DROP INDEX events_by_transfer;
    DROP INDEX events_by_dedupe;
  `);
  db.exec(journalSchema);
  const accounts = db.prepare(
    'INSERT INTO accounts (id, provider, profile, endpoint, principal, created_at) VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING',
  );
  const pairs = db
    .prepare(
      `SELECT provider, profile, min(created_at) AS at FROM (SELECT provider, profile, created_at FROM transfers_v1 UNION ALL SELECT provider, profile, created_at FROM batches_v1)
       GROUP BY provider, profile`,
    )
    .all() as { provider: string; profile: string; at: string }[];
  for (const pair of pairs) accounts.run(legacyAccountId(pair.provider, pair.profile), pair.provider, pair.profile, 'legacy', pair.at);
  const legacy = (provider: string, profile: string) => legacyAccountId(provider, profile);
  db.function('legacy_account', legacy);
  db.exec(`
    INSERT INTO batches (id, account, provider, profile, file_name, file_path, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
      SELECT b.id, legacy_account(b.provider, b.profile), b.provider, b.profile, b.file_name, NULL, b.file_hash, 'legacy:' || b.file_hash, b.rows, b.rows, 0,
             (SELECT count(*) FROM transfers_v1 t WHERE t.batch_id = b.id), 1, '{}', 'open', 'unknown (journal version 1)', b.created_at, b.updated_at
      FROM batches_v1 b;
    INSERT INTO transfers (account, reference, provider, profile, phone, amount_minor, currency, status, provider_reference, request_reference, error, note, batch_id, line,
                           attempts, first_attempt_at, last_attempt_at, created_at, updated_at)
      SELECT legacy_account(provider, profile), reference, provider, profile, phone, amount_minor, currency, status, provider_reference, request_reference, error, note, batch_id, line,
             CASE WHEN status = 'queued' THEN 0 ELSE 1 END, CASE WHEN status = 'queued' THEN NULL ELSE created_at END, CASE WHEN status = 'queued' THEN NULL ELSE updated_at END,
             created_at, updated_at
      FROM transfers_v1 ORDER BY rowid;
  `);
  const transferId = db.prepare('SELECT id FROM transfers WHERE reference = ?');
  const insert = db.prepare(
    `INSERT INTO events (id, transfer_id, batch_id, kind, from_status, to_status, flags, payload, dedupe_key, actor, created_at, prev_hash, hash)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let head = genesisHash;
  let count = 0;
  for (const event of db.prepare('SELECT * FROM events_v1 ORDER BY id').iterate() as IterableIterator<LegacyEvent>) {
    count += 1;
    const id = event.transfer_reference ? ((transferId.get(event.transfer_reference) as { id: number } | undefined)?.id ?? null) : null;
    const chained = {
      id: count,
      transferId: id,
      batchId: null,
      kind: event.kind,
      fromStatus: event.from_status,
      toStatus: event.to_status,
      flags: event.flags,
      payload: event.payload,
      dedupeKey: event.dedupe_key,
      actor: 'unknown (journal version 1)',
      createdAt: event.created_at,
    };
    const hash = chainHash(head, chained);
    insert.run(
      count,
      id,
      event.kind,
      event.from_status,
      event.to_status,
      event.flags,
      event.payload,
      event.dedupe_key,
      chained.actor,
      event.created_at,
      head,
      hash,
    );
    head = hash;
  }
  db.prepare('UPDATE chain SET head = ?, count = ? WHERE id = 1').run(head, count);
  db.exec('DROP TABLE events_v1; DROP TABLE transfers_v1; DROP TABLE batches_v1;');
}

/**
 * Version 3: the approval policy, kept in the journal so that everyone who shares it shares one policy
 * (approvals themselves are events: hash-chained, with who approved which plan).
 */
export const policySchema = `
  CREATE TABLE policy (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
`;

/**
 * Version 4: what a transfer carries beyond phone, amount and currency — the product, a meter target, a
 * custom SMS, Africa's Talking retry hours, a campaign, and what a ZESA purchase delivered (tokens, units) —
 * as one nullable JSON text column (journal/details.ts). Null for every earlier transfer: plain airtime.
 */
export const addTransferDetails = `ALTER TABLE transfers ADD COLUMN details TEXT;`;

/**
 * Query plans that do not grow with the journal (issue 27): the repeat guard reads a recipient within its
 * window (phone, then attempt time), a provider's reference is found by itself, and the index that led with
 * `provider` — which SQLite picked for the repeat guard, reading every transfer of the provider per chunk —
 * is gone. Every hot query names its index (`INDEXED BY`), so this set is what docs/performance.md lists.
 */
export const boundedQueryIndexes = `
  CREATE INDEX transfers_by_phone_attempt ON transfers (phone, last_attempt_at);
  CREATE INDEX transfers_by_provider_ref ON transfers (provider_reference);
  DROP INDEX transfers_by_provider_reference;
`;

/**
 * Lease holders' process start (e.g. "linux:<boot id>:<start ticks>"): with host and pid, it tells a live holder
 * from a process that merely reuses its pid, so a live holder on the same host is never taken over whatever
 * the clock says (transfers/ownership.ts). Null where it cannot be read: the pid alone is checked.
 */
export const leaseProcessStart = `ALTER TABLE leases ADD COLUMN started TEXT;`;

export const sqliteMigrations: readonly SqliteMigration[] = [version1, toVersion2, policySchema, addTransferDetails, boundedQueryIndexes, leaseProcessStart];
