import type { Account } from '../core/account.js';
import { earlierPaymentStates, mayHavePaid, type EarlierPayment } from '../core/possibly-paid.js';
import { judgeTransition, type TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import { chainHash } from './audit-chain.js';
import { checkRecordedHead, verifyJournal, type AuditReport, type RecordedHead } from './audit.js';
import { parseDetails, serialiseDetails, withDelivery } from './details.js';
import type { Batch, BatchTally, NewBatch } from './batch.js';
import type { Database, Sql, SqlValue } from './sql.js';
import { SerialisedPayload, type NewTransfer, type Observation, type ObservationResult, type Transfer } from './transfer.js';

interface TransferRow {
  id: number;
  account: string;
  reference: string;
  provider: string;
  profile: string;
  phone: string;
  amount_minor: number | string;
  currency: string;
  status: string;
  provider_reference: string | null;
  request_reference: string | null;
  error: string | null;
  note: string | null;
  batch_id: string | null;
  line: number | null;
  attempts: number;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  details: string | null;
}

// PostgreSQL returns BIGINT as text; every integer column is read through Number().
function toTransfer(row: TransferRow): Transfer {
  return {
    id: Number(row.id),
    account: row.account,
    reference: row.reference,
    provider: row.provider as ProviderName,
    profile: row.profile,
    phone: row.phone,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    status: row.status as TransferState,
    providerReference: row.provider_reference,
    requestReference: row.request_reference,
    error: row.error,
    note: row.note,
    batchId: row.batch_id,
    line: row.line === null ? null : Number(row.line),
    attempts: Number(row.attempts),
    firstAttemptAt: row.first_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    details: parseDetails(row.details ?? null),
  };
}

interface BatchRow {
  id: string;
  account: string;
  provider: string;
  profile: string;
  file_name: string;
  file_path: string | null;
  file_hash: string;
  fingerprint: string;
  rows: number;
  file_rows: number;
  invalid: number;
  journaled: number;
  complete: number;
  totals: string;
  state: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    account: row.account,
    provider: row.provider as ProviderName,
    profile: row.profile,
    fileName: row.file_name,
    filePath: row.file_path,
    fileHash: row.file_hash,
    fingerprint: row.fingerprint,
    rows: Number(row.rows),
    fileRows: Number(row.file_rows),
    invalid: Number(row.invalid),
    journaled: Number(row.journaled),
    complete: Number(row.complete) === 1,
    totals: JSON.parse(row.totals) as Record<string, number>,
    state: row.state,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface EventRecord {
  readonly id: number;
  readonly transferId: number | null;
  readonly batchId: string | null;
  readonly kind: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly flags: string[];
  readonly payload: unknown;
  readonly actor: string;
  readonly createdAt: string;
}

/** An events row as either database returns it (PostgreSQL gives BIGINT as text). */
export interface EventRow {
  id: number | string;
  transfer_id: number | string | null;
  batch_id: string | null;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  flags: string | null;
  payload: string | null;
  dedupe_key: string | null;
  actor: string;
  created_at: string;
  prev_hash: string;
  hash: string;
}

function toEvent(row: EventRow): EventRecord {
  return {
    id: Number(row.id),
    transferId: row.transfer_id === null ? null : Number(row.transfer_id),
    batchId: row.batch_id,
    kind: row.kind,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    flags: row.flags ? row.flags.split(',') : [],
    payload: row.payload ? (JSON.parse(row.payload) as unknown) : null,
    actor: row.actor,
    createdAt: row.created_at,
  };
}

/** Which callbacks to list or replay (all given filters apply). */
export interface CallbackEventQuery {
  readonly transferIds?: readonly number[];
  readonly batchId?: string;
  readonly flag?: string;
  readonly afterId?: number;
  readonly limit?: number;
  /** The newest `limit` events (newest first) instead of the oldest after `afterId`. */
  readonly newest?: boolean;
}

/** A callback event, its payload as stored (the raw body for JSON callbacks) and the transfer it matched. */
export interface CallbackEventRecord extends EventRecord {
  readonly rawPayload: string | null;
  readonly transfer: {
    readonly reference: string;
    readonly account: string;
    readonly phone: string;
    readonly amountMinor: number;
    readonly currency: string;
    readonly batchId: string | null;
    readonly line: number | null;
  } | null;
}

interface CallbackTransferColumns {
  t_reference: string | null;
  t_account: string | null;
  t_phone: string | null;
  t_amount_minor: number | string | null;
  t_currency: string | null;
  t_batch_id: string | null;
  t_line: number | string | null;
}

/** An event as the audit export shows it: with its transfer's reference and money. */
export interface AuditEvent extends EventRecord {
  readonly reference: string | null;
  readonly phone: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly hash: string;
}

export interface NewEvent {
  readonly transferId?: number | null;
  readonly batchId?: string | null;
  readonly kind: string;
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  readonly flags?: readonly string[];
  readonly payload?: unknown;
  readonly dedupeKey?: string | null | undefined;
}

export interface ListQuery {
  readonly limit?: number | undefined;
  readonly status?: TransferState | undefined;
  readonly states?: readonly TransferState[] | undefined;
  readonly batchId?: string | undefined;
  readonly account?: string | undefined;
}

/** What a transfer lookup may filter on (callbacks, validation, reconcile). */
export interface TransferFilter {
  readonly provider?: ProviderName;
  readonly account?: string;
  /** Any of these accounts (a callback listener serves the accounts of the profiles it was started for). */
  readonly accounts?: readonly string[];
  readonly reference?: string;
  readonly providerReference?: string;
  readonly requestReference?: string;
  readonly phone?: string;
  readonly amountMinor?: number;
  readonly currency?: string;
  readonly states?: readonly TransferState[];
  readonly createdAfter?: string;
  /** Last handed to a sender after this instant (ISO-8601). */
  readonly attemptedAfter?: string;
  readonly withoutProviderReference?: boolean;
  readonly limit?: number;
}

/** A chunk to claim: fresh rows (their request reference derived from what was claimed) or a whole earlier request. */
export interface ClaimChunk {
  readonly ids: readonly number[];
  /** Set for rows requeued to be resent as the identical request: claimed all together or not at all. */
  readonly requestReference?: string | null;
}

export interface Claimed {
  readonly transfers: Transfer[];
  readonly requestReference: string | null;
}

export interface ClaimResult {
  readonly claimed: Claimed[];
  /** Left `queued`, with a `repeat-hold` event: their recipient was paid by another run after this one's consent. */
  readonly heldAsRepeats: Transfer[];
}

/** The repeat guard as consented: its window, and sandbox money kept apart from real money. */
export interface RepeatGuard {
  readonly windowMs: number;
  readonly sandbox: boolean;
}

interface EarlierPaymentRow {
  id: number | string;
  phone: string;
  amount_minor: number | string;
  currency: string;
  batch_id: string | null;
  reference: string;
  status: TransferState;
  provider: string;
  last_attempt_at: string | null;
  details: string | null;
}

function earlierPayment(row: EarlierPaymentRow): EarlierPayment {
  const details = parseDetails(row.details);
  return {
    status: row.status,
    provider: row.provider,
    lastAttemptAt: row.last_attempt_at,
    retryHours: details?.retryHours ?? 0,
    unverifiedFailure: details?.unverifiedFailure === true,
    unprovenRequeue: details?.unprovenRequeue === true,
    possiblyTaken: details?.possiblyTaken === true,
  };
}

/** Who runs a batch: shown to whoever else tries. */
export interface Holder {
  readonly id: string;
  readonly pid: number;
  readonly host: string;
  readonly actor: string;
  /** When the holder's process started, where it can be read (transfers/ownership.ts): a reused pid is not the holder. */
  readonly started?: string | null | undefined;
}

export interface LeaseInfo extends Holder {
  readonly acquiredAt: string;
  readonly heartbeatAt: string;
  /** Milliseconds since the last heartbeat, by the journal's clock. */
  readonly silentMs: number;
  readonly ttlMs: number;
}

export type LeaseResult = { readonly acquired: true; readonly tookOverFrom: LeaseInfo | null } | { readonly acquired: false; readonly heldBy: LeaseInfo };

interface LeaseRow {
  name: string;
  holder: string;
  pid: number | null;
  host: string | null;
  actor: string | null;
  started?: string | null;
  ttl_ms: number;
  acquired_at: string;
  heartbeat_at: string;
  db_now: string;
}

function toLease(row: LeaseRow): LeaseInfo {
  return {
    id: row.holder,
    pid: Number(row.pid ?? 0),
    host: row.host ?? '?',
    actor: row.actor ?? '?',
    started: row.started ?? null,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    silentMs: Date.parse(row.db_now) - Date.parse(row.heartbeat_at),
    ttlMs: Number(row.ttl_ms),
  };
}

/** Where a page of `sentSince` ended: the last row's attempt time and id. */
export interface SentCursor {
  readonly at: string;
  readonly id: number;
}

/**
 * A column compared as an expression, so that no planner reads it through its own index: PostgreSQL takes no
 * hints, and would AND in the status or account index — each spans the whole journal — beside the one that
 * bounds the statement. (SQLite is pinned with INDEXED BY as well.) The value compared is the same.
 */
const opaque = (column: string) => (column === 'id' || column === 'amount_minor' ? `(${column} + 0)` : `(${column} || '')`);

/** The columns of each index `find` may read through. */
const indexColumns: Record<string, readonly string[]> = {
  transfers_by_reference: ['reference'],
  transfers_by_request_reference: ['request_reference'],
  transfers_by_provider_ref: ['provider_reference'],
  transfers_by_recipient: ['phone', 'amount_minor', 'currency', 'created_at'],
  transfers_by_phone_attempt: ['phone', 'last_attempt_at'],
};

/**
 * The index `find` reads through: that of the most selective field it was given (a key, a reference, then a
 * recipient within a window). Every caller gives one of these; a filter with none is read by id.
 */
function findIndex(filter: TransferFilter): string | undefined {
  if (filter.reference !== undefined) return 'transfers_by_reference';
  if (filter.requestReference !== undefined) return 'transfers_by_request_reference';
  if (filter.providerReference !== undefined) return 'transfers_by_provider_ref';
  if (filter.phone !== undefined) return filter.attemptedAfter !== undefined ? 'transfers_by_phone_attempt' : 'transfers_by_recipient';
  return undefined;
}

/** One recipient the repeat guard knows was paid (or is being paid) recently. */
export interface SentRecipient {
  readonly id: number;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly batchId: string | null;
}

const now = () => new Date().toISOString();

/** Events written by one statement: 13 parameters each, well below either database's limit. */
const eventsPerStatement = 400;
const insertEvents = (count: number) =>
  `INSERT INTO events (id, transfer_id, batch_id, kind, from_status, to_status, flags, payload, dedupe_key, actor, created_at, prev_hash, hash) VALUES ${Array.from(
    { length: count },
    () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).join(', ')}`;
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/**
 * The journal: every transfer is written here, with its idempotency key, before any provider call, and
 * every answer about it is an event. All state changes pass through the state machine in one transaction.
 * The same logic runs on SQLite and PostgreSQL (`Database`); a `Journal` made by `atomically` runs inside
 * one transaction and every method called on it shares that transaction.
 */
export class Journal {
  private chain: { head: string; count: number; dirty: boolean } | undefined;
  private pendingEvents: SqlValue[][] = [];

  private constructor(
    private readonly database: Database,
    private readonly sql: Sql,
    private readonly inTransaction: boolean,
    private readonly knownAccounts: Set<string>,
  ) {}

  static over(database: Database): Journal {
    return new Journal(database, database, false, new Set());
  }

  /** Who writes: the OS user and host (SQLite) or the authenticated login (PostgreSQL `session_user`), as every event records it. */
  async whoami(): Promise<string> {
    return this.database.actor();
  }

  /** Who we are, even where the journal would refuse us: the login, the role in effect (another after SET ROLE) and whether it is a person. */
  async identity(): Promise<{ login: string; role: string; person: boolean }> {
    if (this.database.identity) return this.database.identity();
    const login = await this.database.actor();
    return { login, role: login, person: true };
  }

  /** Of these actors, the group roles (PostgreSQL NOLOGIN roles such as airtime_operator): never a planner or an approver. */
  async groupRoles(names: readonly string[]): Promise<Set<string>> {
    return this.database.groupRoles ? this.database.groupRoles([...new Set(names)]) : new Set();
  }

  /** Whether this writer may change the approval policy (members of `airtime_admin` on PostgreSQL; anyone on SQLite). */
  async isPolicyAdmin(): Promise<boolean> {
    return this.database.isPolicyAdmin();
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.database.dialect.name;
  }

  get location(): string {
    return this.database.location;
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  /** Why what this process wrote may not be in the journal others read (its file removed or replaced); undefined if it is. */
  displaced(): string | undefined {
    return this.database.displaced?.();
  }

  /** Runs `work` in one transaction (or in the caller's, when there already is one). */
  async atomically<T>(work: (journal: Journal) => Promise<T>): Promise<T> {
    if (this.inTransaction) return work(this);
    return this.database.transaction(async (tx) => {
      const inner = new Journal(this.database, tx, true, this.knownAccounts);
      const result = await work(inner);
      await inner.flushEvents();
      await inner.saveChain();
      return result;
    });
  }

  // ——— accounts ———

  async ensureAccount(account: Account): Promise<void> {
    if (this.knownAccounts.has(account.id)) return;
    await this.sql.run('INSERT INTO accounts (id, provider, profile, endpoint, principal, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', [
      account.id,
      account.provider,
      account.profile,
      account.endpoint,
      account.principal,
      now(),
    ]);
    this.knownAccounts.add(account.id);
  }

  async account(id: string): Promise<Account | undefined> {
    const row = await this.sql.get<{ id: string; provider: string; profile: string; endpoint: string; principal: string | null }>(
      'SELECT * FROM accounts WHERE id = ?',
      [id],
    );
    return row ? { id: row.id, provider: row.provider, profile: row.profile, endpoint: row.endpoint, principal: row.principal } : undefined;
  }

  // ——— transfers ———

  /**
   * Records a transfer as `queued`. A key already known in its account is returned as it is: the key is the transfer.
   * @mustUse
   */
  async createTransfer(transfer: NewTransfer): Promise<{ created: boolean; transfer: Transfer }> {
    const created = await this.atomically(async (journal) => (await journal.insertQueued([transfer], now())) === 1);
    const stored = await this.byKey(transfer.account, transfer.reference);
    if (!stored) throw new Error(`journal lost transfer ${transfer.reference}`);
    return { created, transfer: stored };
  }

  /** Inserts queued transfers (one statement each); returns how many were new. */
  private async insertQueued(transfers: readonly NewTransfer[], at: string): Promise<number> {
    let created = 0;
    for (const transfer of transfers) {
      const { changes } = await this.sql.run(
        `INSERT INTO transfers (account, reference, provider, profile, phone, amount_minor, currency, status, note, batch_id, line, details, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?) ON CONFLICT (account, reference) DO NOTHING`,
        [
          transfer.account,
          transfer.reference,
          transfer.provider,
          transfer.profile,
          transfer.phone,
          transfer.amountMinor,
          transfer.currency,
          transfer.note ?? null,
          transfer.batchId ?? null,
          transfer.line ?? null,
          serialiseDetails(transfer.details),
          at,
          at,
        ],
      );
      created += changes;
    }
    return created;
  }

  async get(id: number): Promise<Transfer | undefined> {
    const row = await this.sql.get<TransferRow>('SELECT * FROM transfers WHERE id = ?', [id]);
    return row ? toTransfer(row) : undefined;
  }

  async byKey(account: string, reference: string): Promise<Transfer | undefined> {
    const row = await this.sql.get<TransferRow>('SELECT * FROM transfers WHERE account = ? AND reference = ?', [account, reference]);
    return row ? toTransfer(row) : undefined;
  }

  /** Transfers matching every given field, oldest first. */
  async find(filter: TransferFilter): Promise<Transfer[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    // Every column but those of the index it reads through is compared as an expression: PostgreSQL (no
    // hints) would otherwise AND in the account or status index, which spans the whole journal.
    const index = findIndex(filter);
    const col = (column: string) => (index === undefined || indexColumns[index]?.includes(column) ? column : opaque(column));
    const equal = (column: string, value: SqlValue | undefined) => {
      if (value === undefined) return;
      where.push(`${col(column)} = ?`);
      params.push(value);
    };
    equal('provider', filter.provider);
    equal('account', filter.account);
    equal('reference', filter.reference);
    equal('provider_reference', filter.providerReference);
    equal('request_reference', filter.requestReference);
    equal('phone', filter.phone);
    equal('amount_minor', filter.amountMinor);
    equal('currency', filter.currency);
    if (filter.states) {
      where.push(`${col('status')} IN (${placeholders(filter.states.length)})`);
      params.push(...filter.states);
    }
    if (filter.accounts) {
      // No account at all matches nothing (not everything).
      where.push(filter.accounts.length ? `${col('account')} IN (${placeholders(filter.accounts.length)})` : '1 = 0');
      params.push(...filter.accounts);
    }
    if (filter.createdAfter !== undefined) {
      where.push(`${col('created_at')} > ?`);
      params.push(filter.createdAfter);
    }
    if (filter.attemptedAfter !== undefined) {
      where.push(`${col('last_attempt_at')} > ?`);
      params.push(filter.attemptedAfter);
    }
    if (filter.withoutProviderReference) where.push(`${col('provider_reference')} IS NULL`);
    const limit = filter.limit === undefined ? '' : ` LIMIT ${Math.max(1, Math.floor(filter.limit))}`;
    // Read through the index of the most selective field given (a key, then a recipient), and sorted after
    // (`id + 0`): otherwise a LIMIT tempts either planner to walk the whole table in id order.
    const from = index ? this.database.dialect.via('transfers', index) : 'transfers';
    const rows = await this.sql.all<TransferRow>(
      `SELECT * FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${index ? 'id + 0' : 'id'}${limit}`,
      params,
    );
    return rows.map(toTransfer);
  }

  async list(query: ListQuery = {}): Promise<Transfer[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const states = query.states ?? (query.status ? [query.status] : undefined);
    if (states) {
      where.push(`${query.batchId ? opaque('status') : 'status'} IN (${placeholders(states.length)})`);
      params.push(...states);
    }
    if (query.batchId) {
      where.push('batch_id = ?');
      params.push(query.batchId);
    }
    if (query.account) {
      where.push(`${query.batchId || states ? opaque('account') : 'account'} = ?`);
      params.push(query.account);
    }
    const order = query.batchId ? 'line, id' : 'id DESC';
    const limit = query.limit ? ` LIMIT ${Math.max(1, Math.floor(query.limit))}` : '';
    // A batch's rows through the batch index; rows in some states through the status index (the newest first,
    // as the index keeps them); nothing else: the newest rows by id, as many as the limit.
    const { via } = this.database.dialect;
    const from = query.batchId ? via('transfers', 'transfers_by_batch') : states ? via('transfers', 'transfers_by_status') : 'transfers';
    const rows = await this.sql.all<TransferRow>(
      `SELECT * FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit}`,
      params,
    );
    return rows.map(toTransfer);
  }

  /** A page of a batch's transfers in some states, in file order. */
  async batchPage(batchId: string, states: readonly TransferState[], afterLine: number, limit: number): Promise<Transfer[]> {
    const rows = await this.sql.all<TransferRow>(
      `SELECT * FROM ${this.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ? AND ${opaque('status')} IN (${placeholders(states.length)}) AND line > ? ORDER BY line LIMIT ?`,
      [batchId, ...states, afterLine, limit],
    );
    return rows.map(toTransfer);
  }

  /**
   * The write-ahead step: `queued` → `sending`, committed before the request leaves, recording which
   * request each transfer travels in and who owns the claim. A chunk that carries a request reference is
   * an earlier request to be resent identically: it is claimed whole, or not at all.
   * @mustUse
   */
  async claim(
    chunks: readonly ClaimChunk[],
    owner: string,
    requestReferenceFor: (claimed: Transfer[]) => string | null,
    repeatGuard?: RepeatGuard,
  ): Promise<ClaimResult> {
    return this.atomically(async (journal) => {
      const at = now();
      const results: Claimed[] = [];
      const heldAsRepeats: Transfer[] = [];
      // Every chunk's rows read at once: one round trip for the window, not one per chunk.
      const read = new Map((await journal.byIds(chunks.flatMap((chunk) => chunk.ids))).map((transfer) => [transfer.id, transfer]));
      for (const chunk of chunks) {
        if (chunk.ids.length === 0) continue;
        const current = chunk.ids.flatMap((id) => read.get(id) ?? []).sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || x.id - y.id);
        let members = current.filter((transfer) => transfer.status === 'queued');
        if (chunk.requestReference) {
          const group = await journal.find({ account: current[0]?.account ?? '', requestReference: chunk.requestReference });
          const whole = group.length === chunk.ids.length && group.every((transfer) => transfer.status === 'queued');
          if (!whole) continue;
          members = group;
        }
        if (members.length === 0) continue;
        if (repeatGuard && repeatGuard.windowMs > 0) {
          const repeats = await journal.repeatsAmong(members, repeatGuard);
          if (repeats.size > 0) {
            for (const transfer of members) {
              const earlier = repeats.get(transfer.id);
              if (earlier === undefined) continue;
              heldAsRepeats.push(transfer);
              await journal.insertEvent({
                transferId: transfer.id,
                kind: 'repeat-hold',
                fromStatus: 'queued',
                toStatus: 'queued',
                flags: ['repeat'],
                payload: new SerialisedPayload(JSON.stringify({ earlier, reason: 'paid by another run after this one was confirmed' })),
              });
            }
            // A request to resend identically goes whole or not at all; fresh rows go without the repeats.
            members = chunk.requestReference ? [] : members.filter((transfer) => !repeats.has(transfer.id));
            if (members.length === 0) continue;
          }
        }
        const requestReference = chunk.requestReference ?? requestReferenceFor(members);
        // The row is re-checked as it is updated (`status = 'queued'`): of two claimers, only one gets it.
        const won = new Set(
          (
            await journal.sql.all<{ id: number | string }>(
              `UPDATE ${journal.database.dialect.byKey('transfers')} SET status = 'sending', request_reference = ?, claim_owner = ?, attempts = attempts + 1,
                 first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?, updated_at = ?
               WHERE id IN (${placeholders(members.length)}) AND ${opaque('status')} = 'queued' RETURNING id`,
              [requestReference, owner, at, at, at, ...members.map((transfer) => transfer.id)],
            )
          ).map((row) => Number(row.id)),
        );
        const claimed: Transfer[] = [];
        for (const transfer of members) {
          if (!won.has(transfer.id)) continue;
          claimed.push({
            ...transfer,
            status: 'sending',
            requestReference,
            attempts: transfer.attempts + 1,
            firstAttemptAt: transfer.firstAttemptAt ?? at,
            lastAttemptAt: at,
            updatedAt: at,
          });
          await journal.insertEvent({
            transferId: transfer.id,
            kind: 'claim',
            fromStatus: 'queued',
            toStatus: 'sending',
            payload: new SerialisedPayload(JSON.stringify({ requestReference, owner, attempt: transfer.attempts + 1 })),
          });
        }
        if (claimed.length) results.push({ transfers: claimed, requestReference });
      }
      return { claimed: results, heldAsRepeats };
    });
  }

  /** Whether every transfer is still `sending` under this owner: a sender re-checks before each request. */
  async stillClaimed(ids: readonly number[], owner: string): Promise<boolean> {
    if (ids.length === 0) return true;
    const row = await this.sql.get<{ n: number | string }>(
      `SELECT count(*) AS n FROM ${this.database.dialect.byKey('transfers')} WHERE id IN (${placeholders(ids.length)}) AND ${opaque('status')} = 'sending' AND claim_owner = ?`,
      [...ids, owner],
    );
    return Number(row?.n ?? 0) === ids.length;
  }

  /** Applies what someone said about a transfer, through the state machine, in one transaction. */
  async observe(id: number, observation: Observation): Promise<ObservationResult | undefined> {
    return this.atomically(async (journal) => journal.observeInTransaction(id, observation));
  }

  /** Many observations in one transaction: journal writes must not dominate dispatch. */
  async observeMany(items: readonly { id: number; observation: Observation }[]): Promise<(ObservationResult | undefined)[]> {
    if (items.length === 0) return [];
    return this.atomically(async (journal) => {
      // Read once for all (one round trip, not one per answer); each result is the next observation's "before".
      const current = new Map((await journal.byIds([...new Set(items.map((item) => item.id))])).map((transfer) => [transfer.id, transfer]));
      // Rows are written together at the end (each once, as the last answer left it), not one round trip per answer.
      const changed = new Map<number, Transfer>();
      const results: (ObservationResult | undefined)[] = [];
      for (const { id, observation } of items) {
        const result = await journal.observeInTransaction(id, observation, current.get(id), changed);
        if (result) current.set(id, result.transfer);
        results.push(result);
      }
      await journal.writeTransfers([...changed.values()]);
      return results;
    });
  }

  /** `observe` for a transfer just read inside this transaction (callbacks match, then record). */
  async observeRead(current: Transfer, observation: Observation): Promise<ObservationResult> {
    if (!this.inTransaction) throw new Error('observeRead needs a transaction');
    return (await this.observeInTransaction(current.id, observation, current)) as ObservationResult;
  }

  /** With `deferred`, the transfer's new row is collected there (and written by `writeTransfers`) instead of updated at once. */
  private async observeInTransaction(
    id: number,
    observation: Observation,
    read?: Transfer,
    deferred?: Map<number, Transfer>,
  ): Promise<ObservationResult | undefined> {
    const current = read ?? (await this.get(id));
    if (!current) return undefined;
    const verdict = judgeTransition(current.status, observation.status, observation.cause);
    const flags = [...(observation.flags ?? [])];
    if (verdict.kind === 'refused')
      flags.push(observation.cause === 'answer' || observation.cause === 'callback' || observation.cause === 'retried-delivery' ? 'out-of-order' : 'refused');
    else if (verdict.kind === 'same') flags.push('repeat');
    const inserted = await this.insertEvent({
      transferId: id,
      kind: observation.kind,
      fromStatus: current.status,
      toStatus: observation.status,
      flags,
      payload: observation.payload,
      dedupeKey: observation.dedupeKey,
    });
    // A callback's dedupe key seen before: the same callback again, recorded once.
    if (!inserted) return { outcome: 'duplicate', transfer: current, previous: current.status };
    const recordOnly = flags.includes('mismatch');
    let transfer = current;
    // Tokens are kept only from an answer that may move the transfer (never from a refused or mismatched one).
    const delivered = recordOnly || verdict.kind === 'refused' ? undefined : withDelivery(current.details, observation.delivered);
    const unverified =
      observation.unverifiedFailure === true &&
      verdict.kind === 'move' &&
      (observation.status === 'failed' || observation.status === 'reversed') &&
      !recordOnly;
    const unproven = observation.unprovenRequeue === true && verdict.kind === 'move' && observation.status === 'queued' && !recordOnly;
    // A requeue on a "not found" is an assumption: the transfer stays possibly paid (core/possibly-paid.ts).
    const possiblyTaken = observation.cause === 'requeue' && verdict.kind === 'move' && !recordOnly;
    const details =
      unverified || unproven || possiblyTaken
        ? {
            ...(delivered ?? current.details ?? {}),
            ...(unverified ? { unverifiedFailure: true as const } : {}),
            ...(unproven ? { unprovenRequeue: true as const } : {}),
            ...(possiblyTaken ? { possiblyTaken: true as const } : {}),
          }
        : delivered;
    if (!recordOnly && (verdict.kind === 'move' || (verdict.kind === 'same' && (hasNews(current, observation) || details !== undefined)))) {
      const at = now();
      const keepsError = observation.status === 'failed' || observation.status === 'unknown' || observation.status === 'queued';
      const error = keepsError ? (observation.error ?? current.error) : (observation.error ?? null);
      const providerReference = observation.providerReference ?? current.providerReference;
      const requestReference = observation.status === 'queued' && !observation.keepRequestReference ? null : current.requestReference;
      transfer = {
        ...current,
        status: observation.status,
        providerReference,
        error,
        note: observation.note ?? current.note,
        requestReference,
        details: details ?? current.details,
        updatedAt: at,
      };
      if (deferred) deferred.set(id, transfer);
      else {
        const claimOwner = observation.status === 'sending' ? undefined : null;
        await this.sql.run(
          `UPDATE transfers SET status = ?, provider_reference = ?, error = ?, note = coalesce(?, note), request_reference = ?,
             claim_owner = ${claimOwner === undefined ? 'claim_owner' : 'NULL'}, details = coalesce(?, details), updated_at = ? WHERE id = ?`,
          [observation.status, providerReference, error, observation.note ?? null, requestReference, serialiseDetails(details), at, id],
        );
      }
    }
    const outcome = recordOnly ? 'refused' : verdict.kind === 'move' ? 'moved' : verdict.kind;
    return { outcome, transfer, previous: current.status };
  }

  /** Writes what observations changed, a few hundred rows a statement (UPDATE … FROM VALUES: both stores have it). */
  private async writeTransfers(transfers: readonly Transfer[]): Promise<void> {
    for (let index = 0; index < transfers.length; index += 300) {
      const slice = transfers.slice(index, index + 300);
      await this.sql.run(
        `UPDATE transfers SET status = v.column2, provider_reference = v.column3, error = v.column4, note = v.column5, request_reference = v.column6,
           claim_owner = CASE WHEN v.column2 = 'sending' THEN transfers.claim_owner ELSE NULL END, updated_at = v.column7, details = v.column8
         FROM (VALUES ${slice.map(() => '(CAST(? AS BIGINT), ?, ?, ?, ?, ?, ?, CAST(? AS TEXT))').join(', ')}) AS v WHERE transfers.id = v.column1`,
        slice.flatMap((transfer) => [
          transfer.id,
          transfer.status,
          transfer.providerReference,
          transfer.error,
          transfer.note,
          transfer.requestReference,
          transfer.updatedAt,
          serialiseDetails(transfer.details),
        ]),
      );
    }
  }

  /**
   * An event with no transfer to move (an unknown callback, a batch decision). Returns false for a dedupe key seen before.
   * @mustUse
   */
  async recordEvent(event: NewEvent): Promise<boolean> {
    return this.atomically(async (journal) => journal.insertEvent(event));
  }

  async events(transferId: number): Promise<EventRecord[]> {
    await this.flushEvents();
    return (
      await this.sql.all<EventRow>(`SELECT * FROM ${this.database.dialect.via('events', 'events_by_transfer')} WHERE transfer_id = ? ORDER BY id`, [transferId])
    ).map(toEvent);
  }

  async batchEvents(batchId: string): Promise<EventRecord[]> {
    await this.flushEvents();
    return (
      await this.sql.all<EventRow>(`SELECT * FROM ${this.database.dialect.via('events', 'events_by_batch')} WHERE batch_id = ? ORDER BY id`, [batchId])
    ).map(toEvent);
  }

  /** Callbacks as they arrived (events of kind `callback:<provider>`), with the transfer each one matched, a page at a time. */
  async callbackEvents(query: CallbackEventQuery = {}): Promise<CallbackEventRecord[]> {
    const where = [`e.kind LIKE 'callback:%'`, 'e.id > ?'];
    const params: SqlValue[] = [query.afterId ?? 0];
    if (query.transferIds) {
      where.push(query.transferIds.length ? `e.transfer_id IN (${placeholders(query.transferIds.length)})` : '1 = 0');
      params.push(...query.transferIds);
    }
    if (query.batchId !== undefined) {
      where.push('t.batch_id = ?');
      params.push(query.batchId);
    }
    if (query.flag !== undefined) {
      // Flags are stored comma-joined; the commas around both sides make a whole-word match.
      where.push(`(',' || e.flags || ',') LIKE ?`);
      params.push(`%,${query.flag},%`);
    }
    params.push(Math.max(1, Math.floor(query.limit ?? 500)));
    const rows = await this.sql.all<EventRow & CallbackTransferColumns>(
      `SELECT e.*, t.reference AS t_reference, t.account AS t_account, t.phone AS t_phone, t.amount_minor AS t_amount_minor,
         t.currency AS t_currency, t.batch_id AS t_batch_id, t.line AS t_line
       FROM events e LEFT JOIN transfers t ON t.id = e.transfer_id
       WHERE ${where.join(' AND ')} ORDER BY e.id${query.newest ? ' DESC' : ''} LIMIT ?`,
      params,
    );
    return rows.map((row) => ({
      ...toEvent(row),
      rawPayload: row.payload,
      transfer:
        row.t_reference === null
          ? null
          : {
              reference: row.t_reference,
              account: row.t_account ?? '',
              phone: row.t_phone ?? '',
              amountMinor: Number(row.t_amount_minor),
              currency: row.t_currency ?? '',
              batchId: row.t_batch_id,
              line: row.t_line === null ? null : Number(row.t_line),
            },
    }));
  }

  /** Events in order, a page at a time (audit export and verification). */
  async eventPage(
    afterId: number,
    limit: number,
  ): Promise<(EventRecord & { prevHash: string; hash: string; dedupeKey: string | null; rawPayload: string | null; rawFlags: string | null })[]> {
    await this.flushEvents();
    const rows = await this.sql.all<EventRow>('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    return rows.map((row) => ({
      ...toEvent(row),
      prevHash: row.prev_hash,
      hash: row.hash,
      dedupeKey: row.dedupe_key,
      rawPayload: row.payload,
      rawFlags: row.flags,
    }));
  }

  async chainHead(): Promise<{ head: string; count: number }> {
    await this.flushEvents();
    const row = await this.sql.get<{ head: string; count: number | string }>('SELECT head, count FROM chain WHERE id = 1');
    return { head: row?.head ?? '', count: Number(row?.count ?? 0) };
  }

  /**
   * Inserts one event, chained to the one before it. Needs a transaction: the chain head is read and moved in it.
   * Events without a dedupe key cannot conflict, so they are buffered and written together (one statement per
   * few hundred, not one round trip each: it matters on PostgreSQL) before the transaction commits or reads events.
   */
  private async insertEvent(event: NewEvent): Promise<boolean> {
    if (!this.inTransaction) throw new Error('events are written inside a transaction');
    if (!this.chain) {
      const row = await this.sql.get<{ head: string; count: number | string }>(
        `SELECT head, count FROM chain WHERE id = 1${this.database.dialect.name === 'postgres' ? ' FOR UPDATE' : ''}`,
      );
      if (!row) throw new Error('the journal has no audit chain');
      this.chain = { head: row.head, count: Number(row.count), dirty: false };
    }
    const chained = {
      id: this.chain.count + 1,
      transferId: event.transferId ?? null,
      batchId: event.batchId ?? null,
      kind: event.kind,
      fromStatus: event.fromStatus ?? null,
      toStatus: event.toStatus ?? null,
      flags: event.flags?.length ? event.flags.join(',') : null,
      payload: serialise(event.payload),
      dedupeKey: event.dedupeKey ?? null,
      actor: await this.database.actor(),
      createdAt: now(),
    };
    const hash = chainHash(this.chain.head, chained);
    const values: SqlValue[] = [
      chained.id,
      chained.transferId,
      chained.batchId,
      chained.kind,
      chained.fromStatus,
      chained.toStatus,
      chained.flags,
      chained.payload,
      chained.dedupeKey,
      chained.actor,
      chained.createdAt,
      this.chain.head,
      hash,
    ];
    if (chained.dedupeKey === null) {
      this.pendingEvents.push(values);
      this.chain = { head: hash, count: chained.id, dirty: true };
      if (this.pendingEvents.length >= eventsPerStatement) await this.flushEvents();
      return true;
    }
    await this.flushEvents();
    const { changes } = await this.sql.run(`${insertEvents(1)} ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`, values);
    if (changes !== 1) return false;
    this.chain = { head: hash, count: chained.id, dirty: true };
    return true;
  }

  /** Writes the buffered events (inside a transaction; outside one there are none). */
  private async flushEvents(): Promise<void> {
    if (this.pendingEvents.length === 0) return;
    const rows = this.pendingEvents;
    this.pendingEvents = [];
    await this.sql.run(insertEvents(rows.length), rows.flat());
  }

  private async saveChain(): Promise<void> {
    if (!this.chain?.dirty) return;
    await this.sql.run('UPDATE chain SET head = ?, count = ? WHERE id = 1', [this.chain.head, this.chain.count]);
    this.chain = { ...this.chain, dirty: false };
  }

  // ——— batches ———

  async batch(id: string): Promise<Batch | undefined> {
    const row = await this.sql.get<BatchRow>('SELECT * FROM batches WHERE id = ?', [id]);
    return row ? toBatch(row) : undefined;
  }

  async batches(limit = 50): Promise<Batch[]> {
    return (await this.sql.all<BatchRow>('SELECT * FROM batches ORDER BY created_at DESC, id LIMIT ?', [limit])).map(toBatch);
  }

  /**
   * Creates a batch (incomplete until every row is journaled), or returns the one with that id.
   * @mustUse
   */
  async createBatch(batch: NewBatch): Promise<{ created: boolean; batch: Batch }> {
    const at = now();
    const created = await this.atomically(async (journal) => {
      const { changes } = await journal.sql.run(
        `INSERT INTO batches (id, account, provider, profile, file_name, file_path, file_hash, fingerprint, rows, file_rows, invalid, journaled, complete, totals, state, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, 'open', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [
          batch.id,
          batch.account,
          batch.provider,
          batch.profile,
          batch.fileName,
          batch.filePath,
          batch.fileHash,
          batch.fingerprint,
          batch.rows,
          batch.fileRows,
          batch.invalid,
          JSON.stringify(batch.totals),
          await this.database.actor(),
          at,
          at,
        ],
      );
      if (changes === 1)
        await journal.insertEvent({
          batchId: batch.id,
          kind: 'batch-created',
          payload: { fileName: batch.fileName, fileHash: batch.fileHash, rows: batch.rows, totals: batch.totals },
        });
      return changes === 1;
    });
    const stored = await this.batch(batch.id);
    if (!stored) throw new Error(`journal lost batch ${batch.id}`);
    return { created, batch: stored };
  }

  /**
   * Journals rows of a batch as `queued` (a key already there is left as it is) and counts them.
   * @mustUse
   */
  async appendBatchRows(batchId: string, transfers: readonly NewTransfer[]): Promise<number> {
    if (transfers.length === 0) return 0;
    return this.atomically(async (journal) => {
      const created = await journal.insertQueued(transfers, now());
      if (created) await journal.sql.run('UPDATE batches SET journaled = journaled + ?, updated_at = ? WHERE id = ?', [created, now(), batchId]);
      return created;
    });
  }

  /**
   * Marks a batch whole once the journal holds every one of its rows; returns whether it is.
   * @mustUse
   */
  async completeBatch(batchId: string): Promise<boolean> {
    return this.atomically(async (journal) => {
      const batch = await journal.batch(batchId);
      if (!batch) return false;
      const row = await journal.sql.get<{ n: number | string }>(
        `SELECT count(*) AS n FROM ${journal.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ?`,
        [batchId],
      );
      const count = Number(row?.n ?? 0);
      if (count < batch.rows) return false;
      if (!batch.complete) {
        await journal.sql.run('UPDATE batches SET complete = 1, journaled = ?, updated_at = ? WHERE id = ?', [count, now(), batchId]);
        await journal.insertEvent({ batchId, kind: 'batch-complete', payload: { rows: count } });
      }
      return true;
    });
  }

  /**
   * Puts a lone queued transfer into a batch (a single send that must wait for approval becomes a one-row batch).
   * @mustUse
   */
  async adoptIntoBatch(batchId: string, transferId: number, line: number): Promise<boolean> {
    return this.atomically(async (journal) => {
      const { changes } = await journal.sql.run(
        `UPDATE transfers SET batch_id = ?, line = ?, updated_at = ? WHERE id = ? AND batch_id IS NULL AND status = 'queued'`,
        [batchId, line, now(), transferId],
      );
      if (changes === 1) await journal.sql.run('UPDATE batches SET journaled = journaled + 1, updated_at = ? WHERE id = ?', [now(), batchId]);
      return changes === 1;
    });
  }

  async setBatchState(batchId: string, state: string, payload?: unknown): Promise<void> {
    await this.atomically(async (journal) => {
      await journal.sql.run('UPDATE batches SET state = ?, updated_at = ? WHERE id = ?', [state, now(), batchId]);
      await journal.insertEvent({ batchId, kind: `batch-${state}`, payload });
    });
  }

  async tally(batchId: string): Promise<BatchTally> {
    const rows = await this.sql.all<{ status: TransferState; currency: string; n: number | string; minor: number | string }>(
      `SELECT status, currency, count(*) AS n, sum(amount_minor) AS minor FROM ${this.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ? GROUP BY status, currency`,
      [batchId],
    );
    const counts: Partial<Record<TransferState, number>> = {};
    const amounts: Partial<Record<TransferState, Record<string, number>>> = {};
    const totals: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const n = Number(row.n);
      const minor = Number(row.minor);
      counts[row.status] = (counts[row.status] ?? 0) + n;
      const byCurrency = (amounts[row.status] ??= {});
      byCurrency[row.currency] = (byCurrency[row.currency] ?? 0) + minor;
      totals[row.currency] = (totals[row.currency] ?? 0) + minor;
      total += n;
    }
    return { counts, amounts, totals, delivered: amounts.delivered ?? {}, rows: total };
  }

  // ——— leases ———

  /**
   * Takes the lease `name` for `holder`, or says who holds it. What `local` knows decides first: a holder
   * known to be alive (a live process on this host) is never taken over, one known to be gone (its process
   * ended) is at once. Otherwise (another host) a holder silent for longer than the lease's time-to-live (by
   * the journal's own clock) is taken over. `onTakeover` runs in the same transaction (e.g. to take over the
   * old holder's claims).
   * @mustUse
   */
  async acquireLease(
    name: string,
    holder: Holder,
    ttlMs: number,
    onTakeover?: (journal: Journal, previous: LeaseInfo) => Promise<void>,
    /** 'alive' (never taken over), 'gone' (not waited for) or undefined (unknown here: the time-to-live decides). */
    local?: (lease: LeaseInfo) => 'alive' | 'gone' | undefined,
  ): Promise<LeaseResult> {
    return this.atomically(async (journal) => {
      const { now: clock } = this.database.dialect;
      const row = await journal.sql.get<LeaseRow>(`SELECT *, ${clock} AS db_now FROM leases WHERE name = ?`, [name]);
      if (!row) {
        await journal.sql.run(
          `INSERT INTO leases (name, holder, pid, host, actor, started, ttl_ms, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ${clock}, ${clock})`,
          [name, holder.id, holder.pid, holder.host, holder.actor, holder.started ?? null, ttlMs],
        );
        return { acquired: true, tookOverFrom: null };
      }
      const current = toLease(row);
      if (current.id !== holder.id) {
        const known = local?.(current);
        if (known === 'alive' || (known === undefined && current.silentMs <= current.ttlMs)) return { acquired: false, heldBy: current };
      }
      await journal.sql.run(
        `UPDATE leases SET holder = ?, pid = ?, host = ?, actor = ?, started = ?, ttl_ms = ?, acquired_at = ${clock}, heartbeat_at = ${clock} WHERE name = ?`,
        [holder.id, holder.pid, holder.host, holder.actor, holder.started ?? null, ttlMs, name],
      );
      if (current.id === holder.id) return { acquired: true, tookOverFrom: null };
      await onTakeover?.(journal, current);
      return { acquired: true, tookOverFrom: current };
    });
  }

  /** Renews a lease; false when someone else took it (the holder must stop sending). */
  async heartbeat(name: string, holderId: string): Promise<boolean> {
    const { changes } = await this.sql.run(`UPDATE leases SET heartbeat_at = ${this.database.dialect.now} WHERE name = ? AND holder = ?`, [name, holderId]);
    return changes === 1;
  }

  async releaseLease(name: string, holderId: string): Promise<void> {
    await this.sql.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holderId]);
  }

  /** Every lease recorded (held, or left by a run that ended without releasing it): `journal migrate` asks who is running. */
  async leases(): Promise<(LeaseInfo & { readonly name: string })[]> {
    const rows = await this.sql.all<LeaseRow>(`SELECT *, ${this.database.dialect.now} AS db_now FROM leases ORDER BY name`);
    return rows.map((row) => ({ ...toLease(row), name: row.name }));
  }

  async lease(name: string): Promise<LeaseInfo | undefined> {
    const row = await this.sql.get<LeaseRow>(`SELECT *, ${this.database.dialect.now} AS db_now FROM leases WHERE name = ?`, [name]);
    return row ? toLease(row) : undefined;
  }

  /** Claims left by a holder whose lease was taken over become the new holder's (so the old one's re-check fails). */
  async takeOverClaims(batchId: string, from: string, to: string): Promise<number> {
    const { changes } = await this.sql.run(
      `UPDATE ${this.database.dialect.via('transfers', 'transfers_by_batch')} SET claim_owner = ? WHERE batch_id = ? AND ${opaque('status')} = 'sending' AND claim_owner = ?`,
      [to, batchId, from],
    );
    return changes;
  }

  // ——— the approval policy ———

  /** The policy's settings (`approvals.count`, `approvals.above.<CUR>` in minor units), as stored. */
  async policy(): Promise<Record<string, string>> {
    const rows = await this.sql.all<{ key: string; value: string }>('SELECT key, value FROM policy ORDER BY key');
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  /**
   * Sets (or, with `null`, removes) policy settings and records the change as an event, in one transaction.
   * On PostgreSQL the database refuses anyone outside `airtime_admin`.
   */
  async setPolicy(changes: Readonly<Record<string, string | null>>): Promise<void> {
    await this.atomically(async (journal) => {
      const before = await journal.policy();
      const by = await journal.whoami();
      const at = now();
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) await journal.sql.run('DELETE FROM policy WHERE key = ?', [key]);
        else
          await journal.sql.run(
            'INSERT INTO policy (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at',
            [key, value, by, at],
          );
      }
      const previous = Object.fromEntries(Object.keys(changes).map((key) => [key, before[key] ?? null]));
      await journal.insertEvent({ kind: 'policy-set', payload: { changes, previous } });
    });
  }

  // ——— audit ———

  /** Recomputes the audit chain and checks every transfer's status against its events (`airtime audit verify`). */
  async verify(options: { head?: RecordedHead | undefined; onProgress?: (done: { events: number; transfers: number }) => void } = {}): Promise<AuditReport> {
    await this.flushEvents();
    const report = await verifyJournal(this.sql, options.onProgress ? { onProgress: options.onProgress } : {});
    if (!options.head) return report;
    const broken = await checkRecordedHead(this.sql, report, options.head);
    // A break of the chain itself comes first: it is where the history stops holding together.
    return broken ? { ...report, breaks: [...report.breaks, broken] } : report;
  }

  /** Events in order with their transfer's reference, a page at a time, optionally of one batch or since a time (`airtime audit export`). */
  async auditPage(filter: { batchId?: string | undefined; since?: string | undefined }, afterId: number, limit: number): Promise<AuditEvent[]> {
    await this.flushEvents();
    const where = ['e.id > ?'];
    const params: SqlValue[] = [afterId];
    if (filter.batchId !== undefined) {
      where.push('(e.batch_id = ? OR t.batch_id = ?)');
      params.push(filter.batchId, filter.batchId);
    }
    if (filter.since !== undefined) {
      where.push('e.created_at >= ?');
      params.push(filter.since);
    }
    const rows = await this.sql.all<
      EventRow & {
        reference: string | null;
        transfer_batch: string | null;
        phone: string | null;
        amount_minor: number | string | null;
        currency: string | null;
      }
    >(
      `SELECT e.*, t.reference, t.batch_id AS transfer_batch, t.phone, t.amount_minor, t.currency
       FROM events e LEFT JOIN transfers t ON t.id = e.transfer_id WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT ?`,
      [...params, limit],
    );
    return rows.map((row) => ({
      ...toEvent(row),
      batchId: row.batch_id ?? row.transfer_batch,
      reference: row.reference,
      phone: row.phone,
      amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
      currency: row.currency,
      hash: row.hash,
    }));
  }

  // ——— the repeat guard ———

  /**
   * Recipients paid or being paid since `since` (sent, submitted, delivered or unknown), a page at a time.
   * Sandbox transfers and real ones are kept apart: a rehearsal is not a payment.
   */
  async sentSince(
    since: string,
    sandbox: boolean,
    after: SentCursor | undefined,
    limit: number,
  ): Promise<{ page: SentRecipient[]; next: SentCursor | undefined }> {
    // Paged along the attempt-time index (time, then id): each page starts where the last ended, so the
    // window is read once, whatever the journal holds before it. The far upper bound changes no answer; it
    // makes the clause a range, which PostgreSQL without statistics estimates as narrow (0.5 %), not as a
    // third of the table (it would then read the whole table instead of the window).
    const lower = after && after.at > since ? after.at : since;
    const rows = await this.sql.all<EarlierPaymentRow>(
      `SELECT id, phone, amount_minor, currency, batch_id, reference, status, provider, last_attempt_at, details
       FROM ${this.database.dialect.via('transfers', 'transfers_by_attempt')}
       WHERE last_attempt_at >= ? AND last_attempt_at <= '9999-12-31T23:59:59.999Z' AND (last_attempt_at > ? OR ${opaque('id')} > ?)
         AND ${opaque('status')} IN (${placeholders(earlierPaymentStates.length)}) AND provider ${sandbox ? '=' : '<>'} 'sandbox'
       ORDER BY last_attempt_at, id LIMIT ?`,
      [lower, lower, after && after.at >= since ? after.id : 0, ...earlierPaymentStates, limit],
    );
    const nowMs = Date.now();
    const page = rows.filter((row) => mayHavePaid(earlierPayment(row), nowMs));
    const last = rows.at(-1);
    return {
      page: page.map((row) => ({ id: Number(row.id), phone: row.phone, amountMinor: Number(row.amount_minor), currency: row.currency, batchId: row.batch_id })),
      next: last ? { at: last.last_attempt_at ?? lower, id: Number(last.id) } : undefined,
    };
  }

  /**
   * The repeat guard's re-check at the moment of the claim, inside its transaction: of the members, those whose
   * recipient (phone, amount, currency) another batch or send has paid, is paying or may still pay within the
   * window. The gate checked the same before consent; this closes the gap between two runs confirmed at once.
   */
  private async repeatsAmong(members: readonly Transfer[], guard: RepeatGuard): Promise<Map<number, string>> {
    const held = new Map<number, string>();
    const since = new Date(Date.now() - guard.windowMs).toISOString();
    const nowMs = Date.now();
    const batchId = members[0]?.batchId ?? null;
    for (let index = 0; index < members.length; index += 500) {
      const slice = members.slice(index, index + 500);
      // By phone and attempt time (the window), which the index reads as one short range per phone; amount and
      // currency below. Pinned: left to itself SQLite read every transfer of the provider (issue 27).
      const phones = [...new Set(slice.map((member) => member.phone))];
      const rows = await this.sql.all<EarlierPaymentRow>(
        `SELECT id, phone, amount_minor, currency, batch_id, reference, status, provider, last_attempt_at, details
         FROM ${this.database.dialect.via('transfers', 'transfers_by_phone_attempt')}
         WHERE phone IN (${placeholders(phones.length)})
           AND ${opaque('status')} IN (${placeholders(earlierPaymentStates.length)}) AND last_attempt_at >= ? AND provider ${guard.sandbox ? '=' : '<>'} 'sandbox'
           ${batchId === null ? '' : `AND (${opaque('batch_id')} IS NULL OR batch_id <> ?)`}`,
        [...phones, ...earlierPaymentStates, since, ...(batchId === null ? [] : [batchId])],
      );
      const earlier = new Map<string, string>();
      const own = new Set(members.map((member) => member.id));
      for (const row of rows) {
        // A transfer queued again is never a repeat of itself (a single send's key put back to queued is resent as itself).
        if (own.has(Number(row.id))) continue;
        if (mayHavePaid(earlierPayment(row), nowMs)) earlier.set(`${row.phone}|${Number(row.amount_minor)}|${row.currency}`, row.reference);
      }
      for (const member of slice) {
        const reference = earlier.get(`${member.phone}|${member.amountMinor}|${member.currency}`);
        if (reference !== undefined) held.set(member.id, reference);
      }
    }
    return held;
  }

  async byIds(ids: readonly number[]): Promise<Transfer[]> {
    const found: Transfer[] = [];
    // A few thousand parameters a statement: far below either database's limit.
    for (let index = 0; index < ids.length; index += 2000) {
      const slice = ids.slice(index, index + 2000);
      const rows = await this.sql.all<TransferRow>(
        `SELECT * FROM ${this.database.dialect.byKey('transfers')} WHERE id IN (${placeholders(slice.length)}) ORDER BY id`,
        slice,
      );
      found.push(...rows.map(toTransfer));
    }
    return found;
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
