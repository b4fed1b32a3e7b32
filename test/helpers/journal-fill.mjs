// A year of history, written fast: straight into the journal's schema in large transactions (the query-plan
// test and `npm run bench -- --only journal-growth` need journals of 10^5–10^6 transfers, which the CLI would
// take hours to build). The rows are what airtime itself writes for a paid batch — a `batch-created` event,
// then per transfer a claim (queued → sending) and an answer (sending → delivered, or failed) — chained with
// the real audit hash, so `airtime audit verify` and `journal migrate` accept the result.

const day = 86_400_000;

/** Phone `index` of a pool of recipients (Kenyan mobile numbers, E.164). */
export const historyPhone = (index) => `+2547${String(10_000_000 + index).slice(-8)}`;

/**
 * Appends `transfers` paid transfers in batches of `batchRows` to an open better-sqlite3 journal whose
 * transfers and events are empty, spread evenly over the `days` before `nowMs`, to `phones` recipients.
 * `chainHash` is the journal's own (dist/journal/audit-chain.js or src/…): passed in, so this file needs no build.
 */
export function fillSqliteHistory(db, options) {
  const {
    account,
    chainHash,
    transfers,
    days = 365,
    phones = 50_000,
    batchRows = 2_000,
    nowMs = Date.now(),
    actor = 'bench@history',
    provider = 'sandbox',
  } = options;
  const existing = db.prepare('SELECT (SELECT count(*) FROM transfers) + (SELECT count(*) FROM events) AS n').get().n;
  if (existing !== 0) throw new Error('fillSqliteHistory needs a journal without transfers or events');
  const insertBatch = db.prepare(
    `INSERT INTO batches (id, account, provider, profile, file_name, file_path, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
     VALUES (?, ?, ?, 'default', ?, NULL, ?, ?, ?, ?, 0, ?, 1, ?, 'done', ?, ?, ?)`,
  );
  const insertTransfer = db.prepare(
    `INSERT INTO transfers (id, account, reference, provider, profile, phone, amount_minor, currency, status, provider_reference, request_reference, error, note,
       batch_id, line, attempts, first_attempt_at, last_attempt_at, claim_owner, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'default', ?, ?, 'KES', ?, ?, ?, ?, NULL, ?, ?, 1, ?, ?, NULL, ?, ?)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (id, transfer_id, batch_id, kind, from_status, to_status, flags, payload, dedupe_key, actor, created_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?)`,
  );
  let head = db.prepare('SELECT head FROM chain WHERE id = 1').get().head;
  let eventId = 0;
  const event = (transferId, batchId, kind, from, to, payload, createdAt) => {
    eventId += 1;
    const hash = chainHash(head, {
      id: eventId,
      transferId,
      batchId,
      kind,
      fromStatus: from,
      toStatus: to,
      flags: null,
      payload,
      dedupeKey: null,
      actor,
      createdAt,
    });
    insertEvent.run(eventId, transferId, batchId, kind, from, to, payload, actor, createdAt, head, hash);
    head = hash;
  };
  const span = days * day;
  const batchCount = Math.ceil(transfers / batchRows);
  const write = db.transaction((first, last) => {
    for (let b = first; b < last; b += 1) {
      const rows = Math.min(batchRows, transfers - b * batchRows);
      const startMs = nowMs - span + Math.floor((span * b) / batchCount);
      const at = (offset) => new Date(startMs + offset).toISOString();
      const batchId = `hist-${String(b).padStart(6, '0')}`;
      let total = 0;
      for (let line = 1; line <= rows; line += 1) total += 1000 + ((b * batchRows + line) % 50) * 100;
      const totals = JSON.stringify({ KES: total });
      const hash = `h${b}`;
      insertBatch.run(batchId, account, provider, `history-${b}.csv`, hash, `fp-${b}`, rows, rows, rows, totals, actor, at(0), at(rows * 10 + 1000));
      event(null, batchId, 'batch-created', null, null, JSON.stringify({ fileName: `history-${b}.csv`, fileHash: hash, rows, totals: { KES: total } }), at(0));
      for (let line = 1; line <= rows; line += 1) {
        const id = b * batchRows + line;
        const amount = 1000 + (id % 50) * 100;
        const failed = id % 31 === 0;
        const status = failed ? 'failed' : 'delivered';
        const sentAt = at(line * 10);
        const request = `${batchId}-r${Math.ceil(line / 100)}`;
        insertTransfer.run(
          id,
          account,
          `hist-${id}`,
          provider,
          historyPhone((id * 7919) % phones),
          amount,
          status,
          failed ? null : `SBX${id}`,
          request,
          failed ? 'rejected by the provider' : null,
          batchId,
          line,
          sentAt,
          sentAt,
          at(0),
          at(line * 10 + 500),
        );
        event(id, null, 'claim', 'queued', 'sending', `{"requestReference":"${request}","owner":"history","attempt":1}`, sentAt);
        event(id, null, 'send', 'sending', status, failed ? '{"status":"failed"}' : `{"status":"delivered","transactionId":"SBX${id}"}`, at(line * 10 + 500));
      }
    }
    db.prepare('UPDATE chain SET head = ?, count = ? WHERE id = 1').run(head, eventId);
  });
  const perTransaction = Math.max(1, Math.floor(50_000 / batchRows));
  for (let b = 0; b < batchCount; b += perTransaction) {
    write(b, Math.min(batchCount, b + perTransaction));
    options.onProgress?.(Math.min(transfers, (b + perTransaction) * batchRows));
  }
  return { transfers, events: eventId, batches: batchCount };
}

/**
 * The same shape of history on PostgreSQL, generated by the server itself (generate_series) — for query
 * plans only: its events are not chained. `client` is a connected pg client of a migrated journal.
 */
export async function fillPostgresHistory(client, options) {
  const { account, transfers, days = 365, phones = 50_000, batchRows = 2_000, nowMs = Date.now(), provider = 'sandbox' } = options;
  const start = new Date(nowMs - days * day).toISOString();
  const batches = Math.ceil(transfers / batchRows);
  await client.query('BEGIN');
  await client.query("SELECT set_config('airtime.import', 'on', true)");
  await client.query(
    `INSERT INTO batches (id, account, provider, profile, file_name, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
     SELECT 'hist-' || lpad(b::text, 6, '0'), $1, $2, 'default', 'history.csv', 'h' || b, 'fp-' || b, $3, $3, 0, $3, 1, '{}', 'done', 'history', $4, $4
     FROM generate_series(0, $5 - 1) AS b`,
    [account, provider, batchRows, start, batches],
  );
  await client.query(
    `INSERT INTO transfers (id, account, reference, provider, profile, phone, amount_minor, currency, status, provider_reference, request_reference, batch_id, line,
       attempts, first_attempt_at, last_attempt_at, created_at, updated_at)
     SELECT i, $1, 'hist-' || i, $2, 'default', '+2547' || right((10000000 + (i * 7919) % $3)::text, 8), 1000 + (i % 50) * 100, 'KES',
            CASE WHEN i % 31 = 0 THEN 'failed' ELSE 'delivered' END, CASE WHEN i % 31 = 0 THEN NULL ELSE 'SBX' || i END,
            'hist-' || lpad(((i - 1) / $4)::text, 6, '0') || '-r' || (((i - 1) % $4) / 100 + 1),
            'hist-' || lpad(((i - 1) / $4)::text, 6, '0'), (i - 1) % $4 + 1, 1, ts, ts, ts, ts
     FROM (SELECT i, to_char((timestamp '${start.slice(0, 19)}' + (i * ($5::float8 / $6)) * interval '1 millisecond'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts
           FROM generate_series(1, $6) AS i) AS g`,
    [account, provider, phones, batchRows, days * day, transfers],
  );
  await client.query(
    `INSERT INTO events (id, transfer_id, batch_id, kind, from_status, to_status, actor, created_at, prev_hash, hash)
     SELECT 2 * id - 1 + k, id, NULL, CASE k WHEN 0 THEN 'claim' ELSE 'send' END, CASE k WHEN 0 THEN 'queued' ELSE 'sending' END,
            CASE k WHEN 0 THEN 'sending' ELSE status END, 'history', last_attempt_at, '', ''
     FROM transfers, generate_series(0, 1) AS k`,
  );
  await client.query(`SELECT setval(pg_get_serial_sequence('transfers', 'id'), $1 + 1, false)`, [transfers]);
  await client.query('UPDATE chain SET count = $1 WHERE id = 1', [2 * transfers]);
  await client.query('COMMIT');
}
