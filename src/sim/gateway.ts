import { randomBytes } from 'node:crypto';
import { knownCurrencies } from '../core/currency.js';
import { requireCurrency as requireCurrencyInfo } from '../core/money.js';
import type Database from 'better-sqlite3';
import { openDatabase, type Db } from '../journal/db.js';
import type { ElectricityToken } from '../core/meter.js';
import type { ProductKind } from '../core/product.js';
import { zesaDelivery } from './catalogue.js';
import { magicOutcome } from './magic.js';

/**
 * The simulated gateway: one core behind the embedded `sandbox` provider and every wire simulator.
 * State lives in SQLite (a file in the data folder, or memory for a test server), so a transfer sent by
 * one process can be queried by another. Time-based state is derived when read: a transfer is pending
 * until its `settle_at`, then final; the wallet is its opening balance less what was delivered.
 */
export type GatewayState = 'pending' | 'delivered' | 'failed';

/** What a submission asked for beyond the money, and what it delivers (kept as JSON beside it). */
export interface SimDetails {
  readonly product?: { readonly kind: ProductKind; readonly id?: string | number | undefined } | undefined;
  /** The target is a ZESA meter number (in `phone`). */
  readonly meter?: boolean | undefined;
  readonly sms?: string | undefined;
  /** Africa's Talking `maxNumRetry` hours. */
  readonly retryHours?: number | undefined;
  readonly campaign?: string | undefined;
  readonly bulk?: string | undefined;
  /** The first delivery failed and a retry delivered it (magic 0005 with retries): Failed, then Success. */
  readonly retried?: boolean | undefined;
  /** A ZESA purchase: the tokens and units it delivers once settled. */
  readonly tokens?: readonly ElectricityToken[] | undefined;
  readonly units?: string | undefined;
}

export interface TopUp {
  readonly id: string;
  readonly currency: string;
  readonly amountMinor: number;
  readonly status: 'pending' | 'paid';
  readonly createdAtMs: number;
}

export interface GatewayTransfer {
  readonly key: string;
  readonly providerRef: string;
  readonly requestRef: string | null;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly state: GatewayState;
  readonly error: string | null;
  /** The client never heard the answer to this submission (magic number 0003 or an injected fault). */
  readonly answerLost: boolean;
  readonly sendCount: number;
  readonly createdAtMs: number;
  readonly settleAtMs: number;
  readonly details: SimDetails | null;
}

/**
 * A submission as a settlement reader sees it: its place in the gateway's order (`seq`, the row's id: rows
 * are written one transaction at a time, so a reader's snapshot always holds every `seq` up to some point)
 * and how it will end.
 */
export interface Submission extends GatewayTransfer {
  readonly seq: number;
  readonly outcome: 'delivered' | 'failed';
}

export interface SubmitRequest {
  readonly key: string;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly requestRef?: string | undefined;
  readonly details?: SimDetails | undefined;
}

export interface GatewayOptions {
  /** Time from acceptance to a final state. */
  readonly settleMs?: number;
  /** Opening balance per currency, in major units. */
  readonly openingBalanceMajor?: number;
  readonly clock?: () => number;
  /** Prefix of provider references, so each simulator's look like its provider's. */
  readonly refPrefix?: string;
}

const schema = [
  `
  CREATE TABLE sim_transfers (
    key           TEXT PRIMARY KEY,
    provider_ref  TEXT NOT NULL UNIQUE,
    request_ref   TEXT,
    phone         TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    error         TEXT,
    answer_lost   INTEGER NOT NULL DEFAULT 0,
    send_count    INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL,
    settle_at_ms  INTEGER NOT NULL,
    notified      INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX sim_transfers_by_request ON sim_transfers (request_ref);
  CREATE INDEX sim_transfers_by_settle ON sim_transfers (notified, settle_at_ms);
  CREATE TABLE sim_wallet (currency TEXT PRIMARY KEY, opening_minor INTEGER NOT NULL);
  `,
  // A running total of what deliveries committed, so a submission does not sum every earlier transfer.
  `
  ALTER TABLE sim_wallet ADD COLUMN committed_minor INTEGER NOT NULL DEFAULT 0;
  UPDATE sim_wallet SET committed_minor = (SELECT coalesce(sum(amount_minor), 0) FROM sim_transfers t
    WHERE t.currency = sim_wallet.currency AND t.outcome = 'delivered');
  CREATE INDEX sim_transfers_by_settle_at ON sim_transfers (settle_at_ms);
  `,
  // Products, meters, custom SMS, retries and tokens (JSON); wallet top-ups paid through a payment page.
  `
  ALTER TABLE sim_transfers ADD COLUMN details TEXT;
  ALTER TABLE sim_wallet ADD COLUMN topped_minor INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE sim_topups (
    id            TEXT PRIMARY KEY,
    currency      TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    status        TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  `,
];

interface Row {
  seq?: number;
  key: string;
  provider_ref: string;
  request_ref: string | null;
  phone: string;
  amount_minor: number;
  currency: string;
  outcome: string;
  error: string | null;
  answer_lost: number;
  send_count: number;
  created_at_ms: number;
  settle_at_ms: number;
  details: string | null;
}

export class SimulatedGateway {
  private readonly db: Db;
  private readonly settleMs: number;
  private readonly clock: () => number;
  private readonly refPrefix: string;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string, options: GatewayOptions = {}) {
    this.db = openDatabase(file, schema);
    this.settleMs = options.settleMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    this.refPrefix = options.refPrefix ?? 'SBX';
    const opening = options.openingBalanceMajor ?? 1_000_000;
    const seed = this.sql('INSERT INTO sim_wallet (currency, opening_minor) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.db.transaction(() => {
      for (const code of knownCurrencies()) seed.run(code, opening * 10 ** requireCurrencyInfo(code).digits);
    })();
  }

  close(): void {
    this.db.close();
  }

  /** Prepared statements, compiled once per gateway. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Accepts a transfer once per key: a repeated key returns the first transfer and charges nothing
   * (it only counts the attempt, so tests can prove exactly-once delivery).
   */
  submit(request: SubmitRequest): { transfer: GatewayTransfer; duplicate: boolean } {
    return this.db
      .transaction(() => {
        const existing = this.row(request.key);
        if (existing) {
          this.sql('UPDATE sim_transfers SET send_count = send_count + 1 WHERE key = ?').run(request.key);
          return { transfer: this.view({ ...existing, send_count: existing.send_count + 1 }), duplicate: true };
        }
        const now = this.clock();
        const asked = request.details;
        const magic = magicOutcome(request.phone, { meter: asked?.meter, retries: (asked?.retryHours ?? 0) > 0 });
        let outcome = 'delivered';
        let error: string | null = null;
        let details: SimDetails | undefined = asked;
        if (asked?.product?.kind === 'zesa') details = { ...asked, ...zesaDelivery(request.key, request.phone, request.amountMinor, request.currency) };
        if (magic.kind === 'deliver-on-retry') details = { ...details, retried: true };
        if (magic.kind === 'reject') {
          outcome = 'failed';
          error = magic.error;
        } else if (this.available(request.currency) < request.amountMinor) {
          outcome = 'failed';
          error = 'Insufficient Balance';
        }
        const providerRef = `${this.refPrefix}${randomBytes(10).toString('hex')}`;
        this.db
          .prepare(
            `INSERT INTO sim_transfers (key, provider_ref, request_ref, phone, amount_minor, currency, outcome, error, answer_lost, created_at_ms, settle_at_ms, details)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            request.key,
            providerRef,
            request.requestRef ?? null,
            request.phone,
            request.amountMinor,
            request.currency,
            outcome,
            error,
            magic.kind === 'lose-answer' ? 1 : 0,
            now,
            outcome === 'failed' ? now : now + this.settleMs,
            details && Object.keys(details).length ? JSON.stringify(details) : null,
          );
        if (outcome === 'delivered') {
          this.sql('UPDATE sim_wallet SET committed_minor = committed_minor + ? WHERE currency = ?').run(request.amountMinor, request.currency);
        }
        const created = this.row(request.key);
        if (!created) throw new Error('simulated gateway lost a transfer');
        return { transfer: this.view(created), duplicate: false };
      })
      .immediate();
  }

  /**
   * Fails a transfer not yet settled (Africa's Talking's validation callback answered `Failed`: AT does not
   * forward it to the telco), giving its money back. A settled or failed transfer is left as it is.
   */
  failUnsettled(key: string, error: string): boolean {
    return this.db
      .transaction(() => {
        const row = this.row(key);
        if (!row || row.outcome !== 'delivered' || row.settle_at_ms <= this.clock()) return false;
        this.sql(`UPDATE sim_transfers SET outcome = 'failed', error = ?, settle_at_ms = ? WHERE key = ?`).run(error, this.clock(), key);
        this.sql('UPDATE sim_wallet SET committed_minor = committed_minor - ? WHERE currency = ?').run(row.amount_minor, row.currency);
        return true;
      })
      .immediate();
  }

  byKey(key: string): GatewayTransfer | undefined {
    const row = this.row(key);
    return row ? this.view(row) : undefined;
  }

  byProviderRef(providerRef: string): GatewayTransfer | undefined {
    const row = this.sql('SELECT * FROM sim_transfers WHERE provider_ref = ?').get(providerRef) as Row | undefined;
    return row ? this.view(row) : undefined;
  }

  byRequestRef(requestRef: string): GatewayTransfer[] {
    const rows = this.sql('SELECT * FROM sim_transfers WHERE request_ref = ? ORDER BY rowid').all(requestRef) as Row[];
    return rows.map((row) => this.view(row));
  }

  /** Balance per currency: opening less delivered (a delivery not yet settled is not debited yet). */
  balances(): { currency: string; minor: number }[] {
    const unsettled = new Map(
      (
        this.db
          .prepare(`SELECT currency, sum(amount_minor) AS minor FROM sim_transfers WHERE settle_at_ms > ? AND outcome = 'delivered' GROUP BY currency`)
          .all(this.clock()) as { currency: string; minor: number }[]
      ).map((row) => [row.currency, row.minor]),
    );
    const rows = this.sql('SELECT currency, opening_minor + topped_minor - committed_minor AS minor FROM sim_wallet ORDER BY currency').all() as {
      currency: string;
      minor: number;
    }[];
    return rows.map((row) => ({ currency: row.currency, minor: row.minor + (unsettled.get(row.currency) ?? 0) }));
  }

  /** Delivered transfers, oldest first: the ledger a wallet statement is made of. */
  ledger(limit = 100): GatewayTransfer[] {
    const rows = this.db
      .prepare(`SELECT * FROM sim_transfers WHERE outcome = 'delivered' AND settle_at_ms <= ? ORDER BY settle_at_ms DESC LIMIT ?`)
      .all(this.clock(), limit) as Row[];
    return rows.map((row) => this.view(row));
  }

  /**
   * Submissions after `seq`, in the order they were written: a settlement reader's cursor. Reading takes
   * nothing away, so every reader (each callback listener) sees every settlement.
   */
  submissionsAfter(seq: number, limit = 1000): Submission[] {
    const rows = this.sql('SELECT rowid AS seq, * FROM sim_transfers WHERE rowid > ? ORDER BY rowid LIMIT ?').all(seq, limit) as Row[];
    return rows.map((row) => this.submission(row));
  }

  /**
   * Where a new settlement reader starts, read in one snapshot: the submissions that settle at or after
   * `sinceMs` (recent history and what is still pending) and the cursor after the newest submission.
   */
  settlementStart(sinceMs: number): { submissions: Submission[]; seq: number } {
    return this.db.transaction(() => {
      const rows = this.sql('SELECT rowid AS seq, * FROM sim_transfers WHERE settle_at_ms >= ? ORDER BY rowid').all(sinceMs) as Row[];
      const last = this.sql('SELECT coalesce(max(rowid), 0) AS seq FROM sim_transfers').get() as { seq: number };
      return { submissions: rows.map((row) => this.submission(row)), seq: last.seq };
    })();
  }

  /**
   * Transfers that became final since they were last handed out, each handed out once: for a wire
   * simulator, the one process that posts its callbacks. Listeners read with `submissionsAfter` instead.
   */
  takeSettled(limit = 500): GatewayTransfer[] {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare('SELECT * FROM sim_transfers WHERE notified = 0 AND settle_at_ms <= ? ORDER BY settle_at_ms LIMIT ?')
          .all(this.clock(), limit) as Row[];
        const mark = this.sql('UPDATE sim_transfers SET notified = 1 WHERE key = ?');
        for (const row of rows) mark.run(row.key);
        return rows.map((row) => this.view(row));
      })
      .immediate();
  }

  /** Marks transfers settled before `ms` as handed out, without handing them out (a listener's backlog). */
  skipSettledBefore(ms: number): void {
    this.sql('UPDATE sim_transfers SET notified = 1 WHERE notified = 0 AND settle_at_ms < ?').run(ms);
  }

  /** How many times each key was submitted: the proof that nobody was paid twice. */
  sendCounts(): Map<string, number> {
    const rows = this.sql('SELECT key, send_count FROM sim_transfers').all() as { key: string; send_count: number }[];
    return new Map(rows.map((row) => [row.key, row.send_count]));
  }

  /** Starts a wallet top-up: nothing is credited until it is paid (the payment page is visited). */
  startTopUp(currency: string, amountMinor: number): TopUp {
    const id = `top_${randomBytes(8).toString('hex')}`;
    this.sql('INSERT INTO sim_topups (id, currency, amount_minor, status, created_at_ms) VALUES (?, ?, ?, ?, ?)').run(
      id,
      currency,
      amountMinor,
      'pending',
      this.clock(),
    );
    return this.topUp(id) as TopUp;
  }

  topUp(id: string): TopUp | undefined {
    const row = this.sql('SELECT * FROM sim_topups WHERE id = ?').get(id) as
      { id: string; currency: string; amount_minor: number; status: string; created_at_ms: number } | undefined;
    return row
      ? {
          id: row.id,
          currency: row.currency,
          amountMinor: row.amount_minor,
          status: row.status === 'paid' ? 'paid' : 'pending',
          createdAtMs: row.created_at_ms,
        }
      : undefined;
  }

  /** Pays a pending top-up once: the wallet is credited; paying it again changes nothing. */
  payTopUp(id: string): TopUp | undefined {
    this.db
      .transaction(() => {
        const { changes } = this.sql(`UPDATE sim_topups SET status = 'paid' WHERE id = ? AND status = 'pending'`).run(id);
        const topUp = this.topUp(id);
        if (changes === 1 && topUp) this.sql('UPDATE sim_wallet SET topped_minor = topped_minor + ? WHERE currency = ?').run(topUp.amountMinor, topUp.currency);
      })
      .immediate();
    return this.topUp(id);
  }

  private available(currency: string): number {
    const wallet = this.sql('SELECT opening_minor + topped_minor - committed_minor AS minor FROM sim_wallet WHERE currency = ?').get(currency) as
      { minor: number } | undefined;
    return wallet?.minor ?? 0;
  }

  private row(key: string): Row | undefined {
    return this.sql('SELECT * FROM sim_transfers WHERE key = ?').get(key) as Row | undefined;
  }

  private submission(row: Row): Submission {
    return { ...this.view(row), seq: row.seq ?? 0, outcome: row.outcome === 'delivered' ? 'delivered' : 'failed' };
  }

  private view(row: Row): GatewayTransfer {
    const settled = row.settle_at_ms <= this.clock();
    return {
      key: row.key,
      providerRef: row.provider_ref,
      requestRef: row.request_ref,
      phone: row.phone,
      amountMinor: row.amount_minor,
      currency: row.currency,
      state: settled ? (row.outcome as GatewayState) : 'pending',
      error: row.error,
      answerLost: row.answer_lost === 1,
      sendCount: row.send_count,
      createdAtMs: row.created_at_ms,
      settleAtMs: row.settle_at_ms,
      details: row.details ? (JSON.parse(row.details) as SimDetails) : null,
    };
  }
}
