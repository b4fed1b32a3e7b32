import type { Database } from './sql.js';
import { JournalSession } from './session.js';
import type { Holder, LeaseInfo, LeaseResult } from './records.js';
import type { AccountStore } from './accounts-store.js';
import type { TransferStore } from './transfers-store.js';
import type { EventStore } from './events-store.js';
import type { BatchStore } from './batches-store.js';
import type { LeaseStore } from './leases-store.js';
import type { PolicyStore } from './policy-store.js';
import type { AuditStore } from './audit-store.js';
import type { RepeatStore } from './repeats-store.js';

export type {
  EventRecord,
  EventRow,
  CallbackEventQuery,
  CallbackEventRecord,
  AuditEvent,
  NewEvent,
  ListQuery,
  TransferFilter,
  ClaimChunk,
  Claimed,
  ClaimResult,
  RepeatGuard,
  Holder,
  LeaseInfo,
  LeaseResult,
  SentCursor,
  SentRecipient,
} from './records.js';

/**
 * The journal: every transfer is written here, with its idempotency key, before any provider call, and
 * every answer about it is an event. All state changes pass through the state machine in one transaction.
 * The same logic runs on SQLite and PostgreSQL (`Database`).
 *
 * This class is the journal's whole surface for the rest of the program: each method hands over to the store
 * of its aggregate (`*-store.ts` beside this file, one per section below), all of them sharing one
 * `JournalSession`. A `Journal` made by `atomically` runs inside one transaction, and every method called on
 * it shares that transaction.
 */
export class Journal {
  private constructor(private readonly session: JournalSession) {}

  static over(database: Database): Journal {
    return new Journal(new JournalSession(database, database, false, new Set()));
  }

  /** Who writes: the OS user and host (SQLite) or the database role (PostgreSQL), as every event records it. */
  async whoami(): Promise<string> {
    return this.session.whoami();
  }

  /** Who we are, even where the journal would refuse us: the login, the role in effect (another after SET ROLE) and whether it is a person. */
  async identity(): Promise<{ login: string; role: string; person: boolean }> {
    if (this.session.database.identity) return this.session.database.identity();
    const login = await this.session.database.actor();
    return { login, role: login, person: true };
  }

  /** Of these actors, the group roles (PostgreSQL NOLOGIN roles such as airtime_operator): never a planner or an approver. */
  async groupRoles(names: readonly string[]): Promise<Set<string>> {
    return this.session.database.groupRoles ? this.session.database.groupRoles([...new Set(names)]) : new Set();
  }

  /** Whether this writer may change the approval policy (members of `airtime_admin` on PostgreSQL; anyone on SQLite). */
  async isPolicyAdmin(): Promise<boolean> {
    return this.session.database.isPolicyAdmin();
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.session.database.dialect.name;
  }

  get location(): string {
    return this.session.database.location;
  }

  async close(): Promise<void> {
    await this.session.database.close();
  }

  /** Why what this process wrote may not be in the journal others read (its file removed or replaced); undefined if it is. */
  displaced(): string | undefined {
    return this.session.database.displaced?.();
  }

  /** Runs `work` in one transaction (or in the caller's, when there already is one). */
  async atomically<T>(work: (journal: Journal) => Promise<T>): Promise<T> {
    return this.session.atomically((session) => work(session === this.session ? this : new Journal(session)));
  }

  // ——— accounts (accounts-store.ts) ———

  ensureAccount(...args: Parameters<AccountStore['ensureAccount']>): ReturnType<AccountStore['ensureAccount']> {
    return this.session.accounts.ensureAccount(...args);
  }

  account(...args: Parameters<AccountStore['account']>): ReturnType<AccountStore['account']> {
    return this.session.accounts.account(...args);
  }

  // ——— transfers (transfers-store.ts) ———

  /**
   * Records a transfer as `queued`. A key already known in its account is returned as it is: the key is the transfer.
   * @mustUse
   */
  createTransfer(...args: Parameters<TransferStore['createTransfer']>): ReturnType<TransferStore['createTransfer']> {
    return this.session.transfers.createTransfer(...args);
  }

  get(...args: Parameters<TransferStore['get']>): ReturnType<TransferStore['get']> {
    return this.session.transfers.get(...args);
  }

  byKey(...args: Parameters<TransferStore['byKey']>): ReturnType<TransferStore['byKey']> {
    return this.session.transfers.byKey(...args);
  }

  /** Transfers matching every given field, oldest first. */
  find(...args: Parameters<TransferStore['find']>): ReturnType<TransferStore['find']> {
    return this.session.transfers.find(...args);
  }

  list(...args: Parameters<TransferStore['list']>): ReturnType<TransferStore['list']> {
    return this.session.transfers.list(...args);
  }

  /** A page of a batch's transfers in some states, in file order. */
  batchPage(...args: Parameters<TransferStore['batchPage']>): ReturnType<TransferStore['batchPage']> {
    return this.session.transfers.batchPage(...args);
  }

  /**
   * The write-ahead step: `queued` → `sending`, committed before the request leaves, recording which
   * request each transfer travels in and who owns the claim. A chunk that carries a request reference is
   * an earlier request to be resent identically: it is claimed whole, or not at all.
   * @mustUse
   */
  claim(...args: Parameters<TransferStore['claim']>): ReturnType<TransferStore['claim']> {
    return this.session.transfers.claim(...args);
  }

  /** Whether every transfer is still `sending` under this owner: a sender re-checks before each request. */
  stillClaimed(...args: Parameters<TransferStore['stillClaimed']>): ReturnType<TransferStore['stillClaimed']> {
    return this.session.transfers.stillClaimed(...args);
  }

  /** Applies what someone said about a transfer, through the state machine, in one transaction. */
  observe(...args: Parameters<TransferStore['observe']>): ReturnType<TransferStore['observe']> {
    return this.session.transfers.observe(...args);
  }

  /** Many observations in one transaction: journal writes must not dominate dispatch. */
  observeMany(...args: Parameters<TransferStore['observeMany']>): ReturnType<TransferStore['observeMany']> {
    return this.session.transfers.observeMany(...args);
  }

  /** `observe` for a transfer just read inside this transaction (callbacks match, then record). */
  observeRead(...args: Parameters<TransferStore['observeRead']>): ReturnType<TransferStore['observeRead']> {
    return this.session.transfers.observeRead(...args);
  }

  // ——— events (events-store.ts) ———

  /**
   * An event with no transfer to move (an unknown callback, a batch decision). Returns false for a dedupe key seen before.
   * @mustUse
   */
  recordEvent(...args: Parameters<EventStore['recordEvent']>): ReturnType<EventStore['recordEvent']> {
    return this.session.events.recordEvent(...args);
  }

  events(...args: Parameters<EventStore['events']>): ReturnType<EventStore['events']> {
    return this.session.events.events(...args);
  }

  batchEvents(...args: Parameters<EventStore['batchEvents']>): ReturnType<EventStore['batchEvents']> {
    return this.session.events.batchEvents(...args);
  }

  /** Callbacks as they arrived (events of kind `callback:<provider>`), with the transfer each one matched, a page at a time. */
  callbackEvents(...args: Parameters<EventStore['callbackEvents']>): ReturnType<EventStore['callbackEvents']> {
    return this.session.events.callbackEvents(...args);
  }

  /** Events in order, a page at a time (audit export and verification). */
  eventPage(...args: Parameters<EventStore['eventPage']>): ReturnType<EventStore['eventPage']> {
    return this.session.events.eventPage(...args);
  }

  chainHead(...args: Parameters<EventStore['chainHead']>): ReturnType<EventStore['chainHead']> {
    return this.session.events.chainHead(...args);
  }

  // ——— batches (batches-store.ts) ———

  batch(...args: Parameters<BatchStore['batch']>): ReturnType<BatchStore['batch']> {
    return this.session.batches.batch(...args);
  }

  batches(...args: Parameters<BatchStore['batches']>): ReturnType<BatchStore['batches']> {
    return this.session.batches.batches(...args);
  }

  /** An account's batches made from a file with exactly these bytes, newest first. */
  withFileHash(...args: Parameters<BatchStore['withFileHash']>): ReturnType<BatchStore['withFileHash']> {
    return this.session.batches.withFileHash(...args);
  }

  /**
   * Creates a batch (incomplete until every row is journaled), or returns the one with that id.
   * @mustUse
   */
  createBatch(...args: Parameters<BatchStore['createBatch']>): ReturnType<BatchStore['createBatch']> {
    return this.session.batches.createBatch(...args);
  }

  /**
   * Journals rows of a batch as `queued` (a key already there is left as it is) and counts them.
   * @mustUse
   */
  appendBatchRows(...args: Parameters<BatchStore['appendBatchRows']>): ReturnType<BatchStore['appendBatchRows']> {
    return this.session.batches.appendBatchRows(...args);
  }

  /**
   * Marks a batch whole once the journal holds every one of its rows; returns whether it is.
   * @mustUse
   */
  completeBatch(...args: Parameters<BatchStore['completeBatch']>): ReturnType<BatchStore['completeBatch']> {
    return this.session.batches.completeBatch(...args);
  }

  /**
   * Puts a lone queued transfer into a batch (a single send that must wait for approval becomes a one-row batch).
   * @mustUse
   */
  adoptIntoBatch(...args: Parameters<BatchStore['adoptIntoBatch']>): ReturnType<BatchStore['adoptIntoBatch']> {
    return this.session.batches.adoptIntoBatch(...args);
  }

  setBatchState(...args: Parameters<BatchStore['setBatchState']>): ReturnType<BatchStore['setBatchState']> {
    return this.session.batches.setBatchState(...args);
  }

  tally(...args: Parameters<BatchStore['tally']>): ReturnType<BatchStore['tally']> {
    return this.session.batches.tally(...args);
  }

  // ——— leases (leases-store.ts) ———

  /**
   * Takes the lease `name` for `holder`, or says who holds it. What `local` knows decides first: a holder
   * known to be alive (a live process on this host) is never taken over, one known to be gone (its process
   * ended) is at once. Otherwise (another host) a holder silent for longer than the lease's time-to-live (by
   * the journal's own clock) is taken over. `onTakeover` runs in the same transaction (e.g. to take over the
   * old holder's claims).
   * @mustUse
   */
  acquireLease(
    name: string,
    holder: Holder,
    ttlMs: number,
    onTakeover?: (journal: Journal, previous: LeaseInfo) => Promise<void>,
    gone?: Parameters<LeaseStore['acquireLease']>[4],
  ): Promise<LeaseResult> {
    return this.session.leases.acquireLease(name, holder, ttlMs, onTakeover && ((session, previous) => onTakeover(new Journal(session), previous)), gone);
  }

  /** Renews a lease; false when someone else took it (the holder must stop sending). */
  heartbeat(...args: Parameters<LeaseStore['heartbeat']>): ReturnType<LeaseStore['heartbeat']> {
    return this.session.leases.heartbeat(...args);
  }

  releaseLease(...args: Parameters<LeaseStore['releaseLease']>): ReturnType<LeaseStore['releaseLease']> {
    return this.session.leases.releaseLease(...args);
  }

  /** Every lease recorded (held, or left by a run that ended without releasing it): `journal migrate` asks who is running. */
  leases(...args: Parameters<LeaseStore['leases']>): ReturnType<LeaseStore['leases']> {
    return this.session.leases.leases(...args);
  }

  lease(...args: Parameters<LeaseStore['lease']>): ReturnType<LeaseStore['lease']> {
    return this.session.leases.lease(...args);
  }

  /** Claims left by a holder whose lease was taken over become the new holder's (so the old one's re-check fails). */
  takeOverClaims(...args: Parameters<LeaseStore['takeOverClaims']>): ReturnType<LeaseStore['takeOverClaims']> {
    return this.session.leases.takeOverClaims(...args);
  }

  // ——— the approval policy (policy-store.ts) ———

  /** The policy's settings (`approvals.count`, `approvals.above.<CUR>` in minor units), as stored. */
  policy(...args: Parameters<PolicyStore['policy']>): ReturnType<PolicyStore['policy']> {
    return this.session.policies.policy(...args);
  }

  /**
   * Sets (or, with `null`, removes) policy settings and records the change as an event, in one transaction.
   * On PostgreSQL the database refuses anyone outside `airtime_admin`.
   */
  setPolicy(...args: Parameters<PolicyStore['setPolicy']>): ReturnType<PolicyStore['setPolicy']> {
    return this.session.policies.setPolicy(...args);
  }

  // ——— audit (audit-store.ts) ———

  /** Recomputes the audit chain and checks every transfer's status against its events (`airtime audit verify`). */
  verify(...args: Parameters<AuditStore['verify']>): ReturnType<AuditStore['verify']> {
    return this.session.audit.verify(...args);
  }

  /** Events in order with their transfer's reference, a page at a time, optionally of one batch or since a time (`airtime audit export`). */
  auditPage(...args: Parameters<AuditStore['auditPage']>): ReturnType<AuditStore['auditPage']> {
    return this.session.audit.auditPage(...args);
  }

  // ——— the repeat guard (repeats-store.ts) ———

  /** Recipients among these phones paid or being paid since `since`, oldest first (the gate's repeat check, bounded by the file). */
  sentTo(...args: Parameters<RepeatStore['sentTo']>): ReturnType<RepeatStore['sentTo']> {
    return this.session.repeats.sentTo(...args);
  }

  /**
   * Recipients paid or being paid since `since` (sent, submitted, delivered or unknown), a page at a time.
   * Sandbox transfers and real ones are kept apart: a rehearsal is not a payment.
   */
  sentSince(...args: Parameters<RepeatStore['sentSince']>): ReturnType<RepeatStore['sentSince']> {
    return this.session.repeats.sentSince(...args);
  }

  byIds(...args: Parameters<RepeatStore['byIds']>): ReturnType<RepeatStore['byIds']> {
    return this.session.repeats.byIds(...args);
  }
}
