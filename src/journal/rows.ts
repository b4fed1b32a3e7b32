import { type EarlierPayment } from '../core/possibly-paid.js';
import { type TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import { parseDetails } from './details.js';
import type { Batch } from './batch.js';
import { SerialisedPayload, type Observation, type Transfer } from './transfer.js';
import type { EventRecord, EventRow, TransferFilter, LeaseInfo } from './records.js';

/** Rows as the stores read them, and the small helpers every store shares. */
export interface TransferRow {
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
export function toTransfer(row: TransferRow): Transfer {
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

export interface BatchRow {
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

export function toBatch(row: BatchRow): Batch {
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

export function toEvent(row: EventRow): EventRecord {
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

export interface CallbackTransferColumns {
  t_reference: string | null;
  t_account: string | null;
  t_phone: string | null;
  t_amount_minor: number | string | null;
  t_currency: string | null;
  t_batch_id: string | null;
  t_line: number | string | null;
}

export interface EarlierPaymentRow {
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

export function earlierPayment(row: EarlierPaymentRow): EarlierPayment {
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

export interface LeaseRow {
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

export function toLease(row: LeaseRow): LeaseInfo {
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

/**
 * A column compared as an expression, so that no planner reads it through its own index: PostgreSQL takes no
 * hints, and would AND in the status or account index — each spans the whole journal — beside the one that
 * bounds the statement. (SQLite is pinned with INDEXED BY as well.) The value compared is the same.
 */
export const opaque = (column: string) => (column === 'id' || column === 'amount_minor' ? `(${column} + 0)` : `(${column} || '')`);

/** The columns of each index `find` may read through. */
export const indexColumns: Record<string, readonly string[]> = {
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
export function findIndex(filter: TransferFilter): string | undefined {
  if (filter.reference !== undefined) return 'transfers_by_reference';
  if (filter.requestReference !== undefined) return 'transfers_by_request_reference';
  if (filter.providerReference !== undefined) return 'transfers_by_provider_ref';
  if (filter.phone !== undefined) return filter.attemptedAfter !== undefined ? 'transfers_by_phone_attempt' : 'transfers_by_recipient';
  return undefined;
}

export const now = () => new Date().toISOString();

/** Events written by one statement: 13 parameters each, well below either database's limit. */
export const eventsPerStatement = 400;

export const insertEvents = (count: number) =>
  `INSERT INTO events (id, transfer_id, batch_id, kind, from_status, to_status, flags, payload, dedupe_key, actor, created_at, prev_hash, hash) VALUES ${Array.from(
    { length: count },
    () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).join(', ')}`;

export const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

export function hasNews(current: Transfer, observation: Observation): boolean {
  return Boolean(
    (observation.providerReference && observation.providerReference !== current.providerReference) ||
    (observation.error && observation.error !== current.error),
  );
}

export function serialise(payload: unknown): string | null {
  if (payload === undefined || payload === null) return null;
  if (payload instanceof SerialisedPayload) return payload.json;
  return typeof payload === 'string' ? JSON.stringify({ raw: payload }) : JSON.stringify(payload);
}
