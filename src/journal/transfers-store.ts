import { judgeTransition, type TransferState } from '../core/transfer-state.js';
import { serialiseDetails, withDelivery } from './details.js';
import type { SqlValue } from './sql.js';
import { SerialisedPayload, type NewTransfer, type Observation, type ObservationResult, type Transfer } from './transfer.js';
import { TransferRow, toTransfer, opaque, indexColumns, findIndex, now, placeholders, hasNews } from './rows.js';
import type { ListQuery, TransferFilter, ClaimChunk, Claimed, ClaimResult, RepeatGuard } from './records.js';
import type { JournalSession } from './session.js';

/** The journal's transfers: its SQL, for both stores (SQLite and PostgreSQL), in the session's transaction. */
export class TransferStore {
  constructor(private readonly journal: JournalSession) {}

  /**
   * Records a transfer as `queued`. A key already known in its account is returned as it is: the key is the transfer.
   * @mustUse
   */
  async createTransfer(transfer: NewTransfer): Promise<{ created: boolean; transfer: Transfer }> {
    const created = await this.journal.atomically(async (journal) => (await journal.transfers.insertQueued([transfer], now())) === 1);
    const stored = await this.byKey(transfer.account, transfer.reference);
    if (!stored) throw new Error(`journal lost transfer ${transfer.reference}`);
    return { created, transfer: stored };
  }

  /** Inserts queued transfers (one statement each); returns how many were new. */
  async insertQueued(transfers: readonly NewTransfer[], at: string): Promise<number> {
    let created = 0;
    for (const transfer of transfers) {
      const { changes } = await this.journal.sql.run(
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
    const row = await this.journal.sql.get<TransferRow>('SELECT * FROM transfers WHERE id = ?', [id]);
    return row ? toTransfer(row) : undefined;
  }

  async byKey(account: string, reference: string): Promise<Transfer | undefined> {
    const row = await this.journal.sql.get<TransferRow>('SELECT * FROM transfers WHERE account = ? AND reference = ?', [account, reference]);
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
    const from = index ? this.journal.database.dialect.via('transfers', index) : 'transfers';
    const rows = await this.journal.sql.all<TransferRow>(
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
    const { via } = this.journal.database.dialect;
    const from = query.batchId ? via('transfers', 'transfers_by_batch') : states ? via('transfers', 'transfers_by_status') : 'transfers';
    const rows = await this.journal.sql.all<TransferRow>(
      `SELECT * FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit}`,
      params,
    );
    return rows.map(toTransfer);
  }

  /** A page of a batch's transfers in some states, in file order. */
  async batchPage(batchId: string, states: readonly TransferState[], afterLine: number, limit: number): Promise<Transfer[]> {
    const rows = await this.journal.sql.all<TransferRow>(
      `SELECT * FROM ${this.journal.database.dialect.via('transfers', 'transfers_by_batch')} WHERE batch_id = ? AND ${opaque('status')} IN (${placeholders(states.length)}) AND line > ? ORDER BY line LIMIT ?`,
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
    return this.journal.atomically(async (journal) => {
      const at = now();
      const results: Claimed[] = [];
      const heldAsRepeats: Transfer[] = [];
      // Every chunk's rows read at once: one round trip for the window, not one per chunk.
      const read = new Map((await journal.repeats.byIds(chunks.flatMap((chunk) => chunk.ids))).map((transfer) => [transfer.id, transfer]));
      for (const chunk of chunks) {
        if (chunk.ids.length === 0) continue;
        const current = chunk.ids.flatMap((id) => read.get(id) ?? []).sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || x.id - y.id);
        let members = current.filter((transfer) => transfer.status === 'queued');
        if (chunk.requestReference) {
          const group = await journal.transfers.find({ account: current[0]?.account ?? '', requestReference: chunk.requestReference });
          const whole = group.length === chunk.ids.length && group.every((transfer) => transfer.status === 'queued');
          if (!whole) continue;
          members = group;
        }
        if (members.length === 0) continue;
        if (repeatGuard && repeatGuard.windowMs > 0) {
          const repeats = await journal.repeats.repeatsAmong(members, repeatGuard);
          if (repeats.size > 0) {
            for (const transfer of members) {
              const earlier = repeats.get(transfer.id);
              if (earlier === undefined) continue;
              heldAsRepeats.push(transfer);
              await journal.events.insertEvent({
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
          await journal.events.insertEvent({
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
    const row = await this.journal.sql.get<{ n: number | string }>(
      `SELECT count(*) AS n FROM ${this.journal.database.dialect.byKey('transfers')} WHERE id IN (${placeholders(ids.length)}) AND ${opaque('status')} = 'sending' AND claim_owner = ?`,
      [...ids, owner],
    );
    return Number(row?.n ?? 0) === ids.length;
  }

  /** Applies what someone said about a transfer, through the state machine, in one transaction. */
  async observe(id: number, observation: Observation): Promise<ObservationResult | undefined> {
    return this.journal.atomically(async (journal) => journal.transfers.observeInTransaction(id, observation));
  }

  /** Many observations in one transaction: journal writes must not dominate dispatch. */
  async observeMany(items: readonly { id: number; observation: Observation }[]): Promise<(ObservationResult | undefined)[]> {
    if (items.length === 0) return [];
    return this.journal.atomically(async (journal) => {
      // Read once for all (one round trip, not one per answer); each result is the next observation's "before".
      const current = new Map((await journal.repeats.byIds([...new Set(items.map((item) => item.id))])).map((transfer) => [transfer.id, transfer]));
      // Rows are written together at the end (each once, as the last answer left it), not one round trip per answer.
      const changed = new Map<number, Transfer>();
      const results: (ObservationResult | undefined)[] = [];
      for (const { id, observation } of items) {
        const result = await journal.transfers.observeInTransaction(id, observation, current.get(id), changed);
        if (result) current.set(id, result.transfer);
        results.push(result);
      }
      await journal.transfers.writeTransfers([...changed.values()]);
      return results;
    });
  }

  /** `observe` for a transfer just read inside this transaction (callbacks match, then record). */
  async observeRead(current: Transfer, observation: Observation): Promise<ObservationResult> {
    if (!this.journal.inTransaction) throw new Error('observeRead needs a transaction');
    return (await this.observeInTransaction(current.id, observation, current)) as ObservationResult;
  }

  /** With `deferred`, the transfer's new row is collected there (and written by `writeTransfers`) instead of updated at once. */
  async observeInTransaction(id: number, observation: Observation, read?: Transfer, deferred?: Map<number, Transfer>): Promise<ObservationResult | undefined> {
    const current = read ?? (await this.get(id));
    if (!current) return undefined;
    const verdict = judgeTransition(current.status, observation.status, observation.cause);
    const flags = [...(observation.flags ?? [])];
    if (verdict.kind === 'refused')
      flags.push(observation.cause === 'answer' || observation.cause === 'callback' || observation.cause === 'retried-delivery' ? 'out-of-order' : 'refused');
    else if (verdict.kind === 'same') flags.push('repeat');
    const inserted = await this.journal.events.insertEvent({
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
        await this.journal.sql.run(
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
  async writeTransfers(transfers: readonly Transfer[]): Promise<void> {
    for (let index = 0; index < transfers.length; index += 300) {
      const slice = transfers.slice(index, index + 300);
      await this.journal.sql.run(
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
}
