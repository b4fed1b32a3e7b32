import { judgeTransition, type TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import { openDatabase, type Db } from './db.js';
import { SerialisedPayload, type NewTransfer, type Observation, type ObservationResult, type Transfer } from './transfer.js';

interface TransferRow {
  reference: string;
  provider: string;
  profile: string;
  phone: string;
  amount_minor: number;
  currency: string;
  status: string;
  provider_reference: string | null;
  request_reference: string | null;
  error: string | null;
  note: string | null;
  batch_id: string | null;
  line: number | null;
  created_at: string;
  updated_at: string;
}

function toTransfer(row: TransferRow): Transfer {
  return {
    reference: row.reference,
    provider: row.provider as ProviderName,
    profile: row.profile,
    phone: row.phone,
    amountMinor: row.amount_minor,
    currency: row.currency,
    status: row.status as TransferState,
    providerReference: row.provider_reference,
    requestReference: row.request_reference,
    error: row.error,
    note: row.note,
    batchId: row.batch_id,
    line: row.line,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface EventRecord {
  readonly id: number;
  readonly transferReference: string | null;
  readonly kind: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly flags: string[];
  readonly payload: unknown;
  readonly createdAt: string;
}

export interface ListQuery {
  readonly limit?: number | undefined;
  readonly status?: TransferState | undefined;
  readonly batchId?: string | undefined;
}

const now = () => new Date().toISOString();

/**
 * The journal: every transfer is written here, with its idempotency key, before any provider call, and
 * every answer about it is an event. All state changes pass through `observe`, which enforces the
 * transition rules in one transaction.
 */
export class Journal {
  readonly db: Db;
  private readonly statements;

  private readonly transactions;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO transfers (reference, provider, profile, phone, amount_minor, currency, status, note, batch_id, line, created_at, updated_at)
         VALUES (@reference, @provider, @profile, @phone, @amountMinor, @currency, 'queued', @note, @batchId, @line, @at, @at)
         ON CONFLICT (reference) DO NOTHING`,
      ),
      get: this.db.prepare('SELECT * FROM transfers WHERE reference = ?'),
      byProviderReference: this.db.prepare('SELECT * FROM transfers WHERE provider = ? AND provider_reference = ?'),
      update: this.db.prepare(
        `UPDATE transfers SET status = @status, provider_reference = coalesce(@providerReference, provider_reference),
           error = CASE WHEN @status IN ('failed', 'unknown', 'queued') THEN coalesce(@error, error) ELSE @error END,
           note = coalesce(@note, note), updated_at = @at
         WHERE reference = @reference`,
      ),
      markSending: this.db.prepare(
        `UPDATE transfers SET status = 'sending', request_reference = @requestReference, updated_at = @at
         WHERE reference = @reference AND status = 'queued'`,
      ),
      setRequestReference: this.db.prepare('UPDATE transfers SET request_reference = @requestReference WHERE reference = @reference'),
      event: this.db.prepare(
        `INSERT INTO events (transfer_reference, kind, from_status, to_status, flags, payload, dedupe_key, created_at)
         VALUES (@reference, @kind, @from, @to, @flags, @payload, @dedupeKey, @at)
         ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
      ),
      events: this.db.prepare('SELECT * FROM events WHERE transfer_reference = ? ORDER BY id'),
    };
    // Built once: better-sqlite3's transaction wrapper is costly to create on every call.
    this.transactions = {
      observe: this.db.transaction((reference: string, observation: Observation) => this.observeInTransaction(reference, observation)),
      observeMany: this.db.transaction((items: readonly { reference: string; observation: Observation }[]) =>
        items.map(({ reference, observation }) => this.observeInTransaction(reference, observation)),
      ),
    };
  }

  /** Runs `work` in one immediate transaction, or inside the caller's when there already is one. */
  inTransaction<T>(work: () => T): T {
    return this.db.inTransaction ? work() : this.db.transaction(work).immediate();
  }

  static open(file: string): Journal {
    return new Journal(file);
  }

  close(): void {
    this.db.close();
  }

  /** Records a transfer as `queued`. A reference already known is returned as it is: the key is the transfer. @mustUse `created` false: the key was known */
  create(transfer: NewTransfer): { created: boolean; transfer: Transfer } {
    const created = this.inTransaction(() => this.insertQueued(transfer, now()));
    const stored = this.get(transfer.reference);
    if (!stored) throw new Error(`journal lost transfer ${transfer.reference}`);
    return { created, transfer: stored };
  }

  /** Records many transfers in one transaction (bulk); returns how many were new. @mustUse fewer than given: some keys were known */
  createMany(transfers: readonly NewTransfer[]): number {
    return this.inTransaction(() => {
      const at = now();
      return transfers.filter((transfer) => this.insertQueued(transfer, at)).length;
    });
  }

  private insertQueued(transfer: NewTransfer, at: string): boolean {
    const { changes } = this.statements.insert.run({
      reference: transfer.reference,
      provider: transfer.provider,
      profile: transfer.profile,
      phone: transfer.phone,
      amountMinor: transfer.amountMinor,
      currency: transfer.currency,
      note: transfer.note ?? null,
      batchId: transfer.batchId ?? null,
      line: transfer.line ?? null,
      at,
    });
    // No event for creation: the row itself, with its created_at, is that record.
    return changes === 1;
  }

  get(reference: string): Transfer | undefined {
    const row = this.statements.get.get(reference) as TransferRow | undefined;
    return row ? toTransfer(row) : undefined;
  }

  findByProviderReference(provider: ProviderName, providerReference: string): Transfer | undefined {
    const row = this.statements.byProviderReference.get(provider, providerReference) as TransferRow | undefined;
    return row ? toTransfer(row) : undefined;
  }

  /**
   * The write-ahead step: `queued` → `sending` with the provider request it will travel in, committed
   * before the request leaves. Returns the references that were actually claimed (a concurrent run
   * that claimed one first wins it).
   * @mustUse only the references returned were claimed: send those and no others
   */
  markSending(references: readonly string[], requestReference: string | null): string[] {
    return this.claimChunks([references], () => requestReference)[0]?.references ?? [];
  }

  /**
   * Claims several chunks for sending in one transaction (the write-ahead step, batched). Each chunk's
   * request reference is computed from the transfers actually claimed.
   * @mustUse only the references returned were claimed: send those and no others
   */
  claimChunks(
    chunks: readonly (readonly string[])[],
    requestReferenceFor: (claimed: string[]) => string | null,
  ): { references: string[]; requestReference: string | null }[] {
    return this.db
      .transaction(() => {
        const at = now();
        return chunks.map((references) => {
          let requestReference = references.length ? requestReferenceFor([...references]) : null;
          const claimed = references.filter((reference) => this.statements.markSending.run({ reference, requestReference, at }).changes === 1);
          if (claimed.length !== references.length && claimed.length > 0) {
            // Another run claimed some first: the request carries only the rows we claimed, so its reference is derived from those alone.
            requestReference = requestReferenceFor(claimed);
            for (const reference of claimed) this.statements.setRequestReference.run({ reference, requestReference });
          }
          const payload = requestReference ? new SerialisedPayload(JSON.stringify({ requestReference })) : null;
          for (const reference of claimed) this.event(reference, 'sending', 'queued', 'sending', [], payload, at);
          return { references: claimed, requestReference: claimed.length ? requestReference : null };
        });
      })
      .immediate();
  }

  /** A page of a batch's transfers in some states, in file order. */
  batchPage(batchId: string, states: readonly TransferState[], afterLine: number, limit: number): Transfer[] {
    const marks = states.map(() => '?').join(', ');
    return (
      this.db
        .prepare(`SELECT * FROM transfers WHERE batch_id = ? AND status IN (${marks}) AND line > ? ORDER BY line LIMIT ?`)
        .all(batchId, ...states, afterLine, limit) as TransferRow[]
    ).map(toTransfer);
  }

  /** Applies what a provider said about a transfer, through the state machine, in one transaction. @mustUse undefined: no such transfer */
  observe(reference: string, observation: Observation): ObservationResult | undefined {
    return this.db.inTransaction ? this.observeInTransaction(reference, observation) : this.transactions.observe.immediate(reference, observation);
  }

  /** `observe` for a transfer just read inside the caller's transaction (the listener's group commit). @mustUse `refused`: it did not move */
  observeRead(current: Transfer, observation: Observation): ObservationResult {
    if (!this.db.inTransaction) throw new Error('observeRead needs a transaction');
    return this.observeInTransaction(current.reference, observation, current) as ObservationResult;
  }

  /** Many observations in one transaction: journal writes must not dominate dispatch. @mustUse undefined: no such transfer */
  observeMany(items: readonly { reference: string; observation: Observation }[]): (ObservationResult | undefined)[] {
    return this.db.inTransaction
      ? items.map(({ reference, observation }) => this.observeInTransaction(reference, observation))
      : this.transactions.observeMany.immediate(items);
  }

  private observeInTransaction(reference: string, observation: Observation, read?: Transfer): ObservationResult | undefined {
    const current = read ?? this.get(reference);
    if (!current) return undefined;
    const verdict = judgeTransition(current.status, observation.status);
    const flags = verdict.kind === 'refused' ? ['out-of-order'] : verdict.kind === 'same' ? ['repeat'] : [];
    const inserted = this.statements.event.run({
      reference,
      kind: observation.kind,
      from: current.status,
      to: observation.status,
      flags: flags.length ? flags.join(',') : null,
      payload: serialise(observation.payload),
      dedupeKey: observation.dedupeKey ?? null,
      at: now(),
    });
    // A callback's dedupe key seen before: the same callback again, recorded once.
    if (inserted.changes === 0) return { outcome: 'duplicate', transfer: current, previous: current.status };
    let transfer = current;
    if (verdict.kind === 'move' || (verdict.kind === 'same' && hasNews(current, observation))) {
      const at = now();
      this.statements.update.run({
        reference,
        status: observation.status,
        providerReference: observation.providerReference ?? null,
        error: observation.error ?? null,
        note: observation.note ?? null,
        at,
      });
      // The row as the UPDATE above left it, without reading it back.
      const keepsError = observation.status === 'failed' || observation.status === 'unknown' || observation.status === 'queued';
      transfer = {
        ...current,
        status: observation.status,
        providerReference: observation.providerReference ?? current.providerReference,
        error: keepsError ? (observation.error ?? current.error) : (observation.error ?? null),
        note: observation.note ?? current.note,
        updatedAt: at,
      };
    }
    return { outcome: verdict.kind === 'move' ? 'moved' : verdict.kind, transfer, previous: current.status };
  }

  /** An event with no transfer to move (an unknown callback, a reconcile note). */
  recordEvent(reference: string | null, kind: string, flags: string[], payload: unknown, dedupeKey?: string): boolean {
    const { changes } = this.statements.event.run({
      reference,
      kind,
      from: null,
      to: null,
      flags: flags.length ? flags.join(',') : null,
      payload: serialise(payload),
      dedupeKey: dedupeKey ?? null,
      at: now(),
    });
    return changes === 1;
  }

  events(reference: string): EventRecord[] {
    const rows = this.statements.events.all(reference) as {
      id: number;
      transfer_reference: string | null;
      kind: string;
      from_status: string | null;
      to_status: string | null;
      flags: string | null;
      payload: string | null;
      created_at: string;
    }[];
    return rows.map((row) => ({
      id: row.id,
      transferReference: row.transfer_reference,
      kind: row.kind,
      fromStatus: row.from_status,
      toStatus: row.to_status,
      flags: row.flags ? row.flags.split(',') : [],
      payload: row.payload ? JSON.parse(row.payload) : null,
      createdAt: row.created_at,
    }));
  }

  list(query: ListQuery = {}): Transfer[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.batchId) {
      where.push('batch_id = ?');
      params.push(query.batchId);
    }
    const order = query.batchId ? 'line, reference' : 'created_at DESC, rowid DESC';
    const sql = `SELECT * FROM transfers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} ${query.limit ? 'LIMIT ?' : ''}`;
    if (query.limit) params.push(query.limit);
    return (this.db.prepare(sql).all(...params) as TransferRow[]).map(toTransfer);
  }

  private event(reference: string | null, kind: string, from: string | null, to: string | null, flags: string[], payload: unknown, at = now()): void {
    this.statements.event.run({
      reference,
      kind,
      from,
      to,
      flags: flags.length ? flags.join(',') : null,
      payload: serialise(payload),
      dedupeKey: null,
      at,
    });
  }
}

function hasNews(current: Transfer, observation: Observation): boolean {
  return Boolean(
    (observation.providerReference && observation.providerReference !== current.providerReference) ||
    (observation.error && observation.error !== current.error),
  );
}

function serialise(payload: unknown): string | null {
  if (payload === undefined || payload === null) return null;
  if (payload instanceof SerialisedPayload) return payload.json;
  return typeof payload === 'string' ? JSON.stringify({ raw: payload }) : JSON.stringify(payload);
}
