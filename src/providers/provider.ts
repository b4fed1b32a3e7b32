import type { Product, ProductKind } from '../core/product.js';
import type { TransferState } from '../core/transfer-state.js';
import type { DeliveredDetails } from '../journal/details.js';
import type { Transfer } from '../journal/transfer.js';
import type { ProviderName } from './names.js';

export interface Capabilities {
  /** Recipients one send request may carry; the dispatcher chunks to it. */
  readonly maxRecipientsPerRequest: number;
  /** Orders one server-side bulk request may carry (`bulk --remote`), where the provider has one. */
  readonly maxRecipientsPerBulk?: number;
  /** How a transfer's status can be asked: by our key, only by the provider's reference, or not at all. */
  readonly statusQuery: 'by-our-reference' | 'by-provider-reference' | 'none';
  readonly balance: boolean;
  readonly ledger: boolean;
  /** Whether the provider answers a repeated key with the first transfer: only then is a resend safe. */
  readonly dedupesOnKey: boolean;
  readonly callbacks: boolean;
  readonly signedCallbacks: boolean;
}

export interface SendItem {
  readonly reference: string;
  /** E.164 with "+"; for a ZESA token (`product.kind` zesa) the 11-digit meter number. */
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** What is bought; absent: airtime, the product picked for the phone's network at send time. */
  readonly product?: { readonly kind: ProductKind; readonly id?: string | number | undefined } | undefined;
  /** Text to the recipient (zw `custom_sms`), checked already (core/custom-sms.ts). */
  readonly sms?: string | undefined;
  /** Africa's Talking `maxNumRetry`: hours it may retry a failed delivery. */
  readonly retryHours?: number | undefined;
  /** A zw campaign payout: the campaign's id (sent to /campaigns/<id>/payouts, signed). */
  readonly campaign?: string | undefined;
}

/** What a provider said about one recipient of a send. */
export interface SendOutcome {
  readonly reference: string;
  readonly status: Extract<TransferState, 'submitted' | 'delivered' | 'failed' | 'unknown'>;
  readonly providerReference?: string | null;
  readonly error?: string | null;
  readonly payload?: unknown;
  /** What was delivered beyond the money: ZESA tokens and units. */
  readonly delivered?: DeliveredDetails | undefined;
}

/** What a provider said about one transfer it knows. */
export interface StatusFound {
  readonly status: TransferState;
  readonly providerReference?: string | null;
  readonly error?: string | null;
  readonly note?: string | null;
  readonly payload?: unknown;
  readonly delivered?: DeliveredDetails | undefined;
}

/**
 * Where a provider's "no record" applies. `request`: the provider does not know the request (Lipad request
 * reference, zw order, sandbox key) at all — where it deduplicates on that reference, an identical resend is
 * safe. `transfer`: the request is known but this recipient is not listed in it, or the transfer cannot be
 * looked up (Africa's Talking without a requestId) — that proves nothing about whether it was paid.
 */
export type NotFoundScope = 'request' | 'transfer';

export interface StatusNotFound {
  readonly status: 'not-found';
  readonly scope: NotFoundScope;
  readonly note?: string | null;
  readonly payload?: unknown;
}

export type StatusOutcome = StatusFound | StatusNotFound;

/** A grouped status query could not ask about this transfer (its request failed): nothing was learned. */
export interface StatusUnanswered {
  readonly status: 'unanswered';
  readonly error: Error;
}

/** One transfer's answer from `statusMany`, in input order. */
export type StatusAnswer = StatusOutcome | StatusUnanswered;

export interface Balance {
  readonly currency: string;
  readonly minor: number;
}

export interface LedgerEntry {
  readonly at: string;
  readonly kind: string;
  readonly currency: string;
  readonly minor: number;
  readonly reference: string | null;
  readonly description: string;
}

/** A wallet top-up started: the operator pays on the provider's page, then the wallet shows the money. */
export interface TopUpStarted {
  readonly id: string | null;
  readonly paymentUrl: string;
  readonly status: string | null;
  readonly currency: string;
  readonly minor: number;
  readonly payload?: unknown;
}

/** A row as a provider's bulk preview is asked about it: what the row says, as we would send it. */
export interface PreviewRow {
  /** 1-based row among the file's data rows. */
  readonly row: number;
  readonly target: string;
  readonly amount: string;
  readonly productId?: string | number | undefined;
  readonly reference?: string | undefined;
  readonly sms?: string | undefined;
}

/** A provider's verdict on a file before dispatch. */
export interface PreviewVerdict {
  readonly valid: number | undefined;
  readonly invalid: number | undefined;
  /** Minor units per currency, when it says. */
  readonly totals: Readonly<Record<string, number>>;
  /** Rows it refused, by our row number, with its reasons. */
  readonly refused: ReadonlyMap<number, string>;
  /** Rows it judged at all (refused or not); undefined when it names none. */
  readonly judged: ReadonlySet<number> | undefined;
  readonly payload?: unknown;
}

/** One adapter per provider. Adapters never print: they return outcomes or throw AirtimeErrors. */
export interface Provider {
  readonly name: ProviderName;
  readonly capabilities: Capabilities;
  /** The id of the request a chunk travels in, recorded before it is sent; null where the provider has none. */
  requestReference(items: readonly SendItem[]): string | null;
  /** @mustUse the provider's answer: every outcome must reach the journal */
  send(items: readonly SendItem[], requestReference: string | null): Promise<SendOutcome[]>;
  status(transfer: Transfer): Promise<StatusOutcome>;
  /**
   * Many transfers at once, answers in input order. Adapters whose status query answers a whole request
   * implement it with one query per request (Lipad); `queryStatuses` (status-many.ts) loops `status` for the
   * others. A failed query makes its transfers `unanswered`; a configuration error (credentials) throws.
   */
  statusMany?(transfers: readonly Transfer[]): Promise<StatusAnswer[]>;
  /** Balances per currency; throws a plain "not supported" where the provider publishes none. */
  balance(): Promise<Balance[]>;
  ledger?(limit: number): Promise<LedgerEntry[]>;
  /** The catalogue, where the provider sells more than airtime (or publishes its ranges). */
  products?(): Promise<Product[]>;
  /** Checks an item against the catalogue before the gate (kind, network, currency, range); throws invalidInput. Returns the product bought. */
  checkItem?(item: SendItem): Promise<Product | undefined>;
  /** Starts a wallet top-up through the provider's payment page. */
  topUp?(amountMinor: number, currency: string): Promise<TopUpStarted>;
  /** The provider's own validation of a file's rows before dispatch (nothing is ordered). */
  previewBulk?(rows: readonly PreviewRow[]): Promise<PreviewVerdict>;
  /**
   * Many items in one server-side bulk request, answered per item (in input order). Each item keeps its own
   * reference, so status queries, callbacks and resends work as for single orders.
   * @mustUse the provider's answer: every outcome must reach the journal
   */
  sendBulk?(items: readonly SendItem[], bulkReference: string): Promise<SendOutcome[]>;
  close(): Promise<void>;
}
