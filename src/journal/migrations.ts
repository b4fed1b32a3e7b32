/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
 * Never edit a shipped migration: add a new one.
 */
export const migrations: readonly string[] = [
  `
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
  `,
];
