// Over 500 lines on purpose: one adapter per provider (docs/ARCHITECTURE.md), and zw's API is nine endpoints —
// orders, status, catalogue, wallet, ledger, top-up, preview, server-side bulk, campaign payouts — sharing one
// client, one credential and one error mapping. What stands alone is beside it: the wire shapes (zw-wire.ts)
// and the tolerant readers (zw-read.ts).
import { createHmac } from 'node:crypto';
import { airtimeCommand } from '../config/in-force.js';
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../config/private-files.js';
import { join } from 'node:path';
import { configError, failedError, invalidInput, isAirtimeError } from '../core/errors.js';
import { isMeterNumber } from '../core/meter.js';
import { formatMinor } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import { pickProduct, type Product } from '../core/product.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { silentDiagnostics, type ProviderDiagnostics } from './diagnostics.js';
import { HttpClient, TransportError, timeoutsFromEnv, type HttpResponse } from './http.js';
import type {
  Balance,
  LedgerEntry,
  PreviewRow,
  PreviewVerdict,
  Provider,
  SendItem,
  SendOutcome,
  StatusFound,
  StatusOutcome,
  TopUpStarted,
} from './provider.js';
import { userAgent } from './user-agent.js';
import { isRecord, parseJsonText, rawPayload, textOf, type JsonRecord } from './wire-read.js';
import { bulkOrdersIn, listIn, nextPageOf, orderIn, readBalances, readDelivery, readLedger, readPreview, readProduct, readTopUp } from './zw-read.js';
import { zwNetworkOf, zwRejectionCodes } from './zw-wire.js';

export interface ZwOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly cacheDir: string;
  readonly diagnostics?: ProviderDiagnostics | undefined;
  /** Signs campaign payouts (HMAC-SHA256 of the raw body, header as for webhooks). */
  readonly campaignSecret?: string | undefined;
}

const catalogueTtlMs = 60 * 60 * 1000;
/** A paginated catalogue is followed this many pages at most. */
const maxCataloguePages = 20;

/** The order statuses zw.md names, in any case; any other word is `unknown`, never a failure. */
export function mapZwStatus(status: unknown): { status: TransferState; note?: string } {
  switch (typeof status === 'string' ? status.trim().toLowerCase() : undefined) {
    case 'success':
      return { status: 'delivered' };
    case 'failed':
      return { status: 'failed' };
    case 'refunded':
      return { status: 'failed', note: 'refunded to the wallet by the provider' };
    default:
      return { status: 'unknown' };
  }
}

/** Whether zw named this status: `unknown` is one of its words, `pending` is not. */
export function isZwStatusWord(status: unknown): boolean {
  return typeof status === 'string' && ['success', 'failed', 'refunded', 'unknown'].includes(status.trim().toLowerCase());
}

/** An order (bare, from a status query, a send or a webhook) in our words, with a ZESA purchase's tokens. */
export function zwOutcome(order: JsonRecord): StatusFound {
  const mapped = mapZwStatus(order.status);
  const message = textOf(order.message) ?? null;
  const delivered = mapped.status === 'delivered' ? readDelivery(order) : undefined;
  return {
    ...(delivered ? { delivered } : {}),
    status: mapped.status,
    providerReference: textOf(order.provider_ref) ?? null,
    error:
      mapped.status === 'failed'
        ? (message ?? String(order.status))
        : mapped.status === 'unknown'
          ? (message ?? (isZwStatusWord(order.status) ? 'the provider has not confirmed yet' : `zw answered status ${JSON.stringify(order.status ?? null)}`))
          : null,
    note: mapped.note ?? null,
    payload: order,
  };
}

/** The API root: the base URL may be given with or without `/api/v1`. */
export function zwApiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/api\/v1$/i.test(trimmed) ? `${trimmed}/` : `${trimmed}/api/v1/`;
}

export class ZwProvider implements Provider {
  readonly name = 'zw' as const;
  readonly capabilities = providerCatalog.zw.capabilities;
  private readonly http: HttpClient;
  private readonly apiKey: string;
  private readonly cacheFile: string;
  private readonly diagnostics: ProviderDiagnostics;
  private readonly campaignSecret: string | undefined;
  private catalogue: Product[] | undefined;

  constructor(options: ZwOptions) {
    if (!options.apiKey) throw missingCredential(this.name, 'an api-key');
    if (!options.baseUrl) throw missingCredential(this.name, 'a base-url (ZW_BASE_URL): the provider gives it with the account');
    this.apiKey = options.apiKey;
    this.campaignSecret = options.campaignSecret;
    this.diagnostics = options.diagnostics ?? silentDiagnostics;
    this.http = new HttpClient({ baseUrl: zwApiRoot(options.baseUrl), userAgent, timeouts: timeoutsFromEnv() });
    this.cacheFile = join(options.cacheDir, 'zw-products.json');
  }

  requestReference(): string | null {
    return null;
  }

  /**
   * The product an item buys, from the catalogue: its kind on the number's network (none for a ZESA meter) in
   * its currency, checked against its range; by id when the item names one. Throws invalidInput.
   */
  async productFor(item: SendItem): Promise<Product> {
    const kind = item.product?.kind ?? 'airtime';
    let network: string | undefined;
    if (kind === 'zesa') {
      if (!isMeterNumber(item.phone)) throw invalidInput(`${item.phone} is not a ZESA meter number: give the meter's 11 digits`);
    } else {
      if (isMeterNumber(item.phone))
        throw invalidInput(`${item.phone} looks like a meter number: ${kind} goes to a phone (ZESA tokens to a meter: --product zesa)`);
      network = zwNetworkOf(nationalOf(item.phone));
      if (!network) throw invalidInput(`phone ${item.phone} is on no Zimbabwean network zw sells ${kind} for`);
    }
    const id = item.product?.id;
    return pickProduct(
      await this.products(),
      { kind, id: id === undefined ? undefined : String(id), network, currency: item.currency, amountMinor: item.amountMinor },
      'zw',
    );
  }

  async checkItem(item: SendItem): Promise<Product> {
    return this.productFor(item);
  }

  /** One order per request: zw takes no batches, so the request reference is unused. */
  async send(items: readonly SendItem[], _requestReference: string | null = null): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const item of items) outcomes.push(await this.sendOne(item));
    return outcomes;
  }

  /** The order's body: the amount as the decimal text itself (no float arithmetic on money), custom_sms when given. */
  private orderBody(item: SendItem, product: Product): string {
    return (
      `{"product_id":${JSON.stringify(product.id)},"target":${JSON.stringify(targetOf(item))},"amount":${formatMinor(item.amountMinor, item.currency)},` +
      `"agent_reference":${JSON.stringify(item.reference)}${item.sms ? `,"custom_sms":${JSON.stringify(item.sms)}` : ''}}`
    );
  }

  /** The product, or the outcome that says why the order cannot go (nothing left: only the catalogue was asked). */
  private async productOrRefusal(item: SendItem): Promise<Product | SendOutcome> {
    try {
      return await this.productFor(item);
    } catch (error) {
      if (isAirtimeError(error) && error.kind === 'invalidInput') return { reference: item.reference, status: 'failed', error: error.message };
      if (isAirtimeError(error) && error.kind === 'config') throw error;
      throw new TransportError(
        `zw: the product catalogue could not be read (${error instanceof Error ? error.message : String(error)}): the order was not sent`,
        false,
      );
    }
  }

  private async sendOne(item: SendItem): Promise<SendOutcome> {
    if (item.campaign !== undefined) return this.payout(item);
    const product = await this.productOrRefusal(item);
    if ('status' in product) return product;
    // zw returns the same order for a repeated agent_reference: a retry cannot charge twice.
    const response = await this.call({ method: 'POST', path: 'orders', body: this.orderBody(item, product), uncertainRetries: 2 });
    return this.readOrderAnswer(item, response, 'order');
  }

  /**
   * A campaign payout: the order is the campaign's, signed with the campaign secret over the raw body
   * (header as for webhooks). Idempotent on agent_reference like an order, so it is retried the same way.
   */
  private async payout(item: SendItem): Promise<SendOutcome> {
    if (!this.campaignSecret)
      throw missingCredential(
        this.name,
        "a campaign-secret to sign payouts ('${airtimeCommand('config set campaign-secret', 'setting')}', ZW_CAMPAIGN_SECRET)",
      );
    const body = `{"target":${JSON.stringify(targetOf(item))},"amount":${formatMinor(item.amountMinor, item.currency)},"currency":${JSON.stringify(item.currency)},"agent_reference":${JSON.stringify(item.reference)}}`;
    const signature = `sha256=${createHmac('sha256', this.campaignSecret).update(body).digest('hex')}`;
    const response = await this.call(
      {
        method: 'POST',
        path: `campaigns/${encodeURIComponent(item.campaign ?? '')}/payouts`,
        body,
        headers: { 'x-airtime-signature': signature },
        uncertainRetries: 2,
      },
      (status, afterUncertainAttempt) =>
        Object.assign(
          configError(
            `zw refused the payout's credentials (HTTP ${status}): check the api-key and the campaign-secret that signs payouts (ZW_API_KEY, ZW_CAMPAIGN_SECRET; '${airtimeCommand('config set campaign-secret', 'setting')}')`,
          ),
          { mayHaveReached: afterUncertainAttempt },
        ),
    );
    return this.readOrderAnswer(item, response, 'payout');
  }

  /** An answer to an order or a payout, read tolerantly: `failed` only on one of our refusal codes. */
  private readOrderAnswer(item: SendItem, response: HttpResponse, what: 'order' | 'payout'): SendOutcome {
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    const unknown = (error: string): SendOutcome => ({ reference: item.reference, status: 'unknown', error, payload });
    if (response.status >= 500) return unknown(`zw answered HTTP ${response.status}`);
    if (response.status === 200 || response.status === 201 || response.status === 202) {
      const order = orderIn(parsed);
      if (!order) {
        this.diagnostics.unrecognised(this.name, `an order answer we cannot read (HTTP ${response.status})`, payload);
        return unknown(`zw answered HTTP ${response.status} with a body we cannot read`);
      }
      const reference = textOf(order.agent_reference);
      if (reference !== undefined && reference !== item.reference) {
        this.diagnostics.unrecognised(this.name, 'an order answer for another agent_reference', payload);
        return unknown(`zw answered with order ${reference}, not ${item.reference}`);
      }
      return this.sendOutcome(item, order, payload);
    }
    const rejection = rejectionOf(parsed);
    if ((response.status === 400 || response.status === 422) && rejection) {
      if (response.afterUncertainAttempt)
        return unknown(`zw refused a retry (${rejection.code}) after an attempt that may have been taken: ${rejection.message}`);
      return { reference: item.reference, status: 'failed', error: `zw refused the ${what} (${rejection.code}): ${rejection.message}`, payload };
    }
    this.diagnostics.unrecognised(
      this.name,
      `HTTP ${response.status} to ${what === 'order' ? 'an order' : 'a payout'}${response.status === 404 ? ' (check the base URL)' : ''}`,
      payload,
    );
    return unknown(`zw answered HTTP ${response.status} to the ${what}: ${response.text.slice(0, 200)}`);
  }

  /**
   * Many orders in one server-side bulk (POST /bulk), each under its own agent_reference: zw takes an order
   * it already knows as that same order, so a retried bulk (or a bulk after some orders went alone) charges
   * once. Each order's answer is read as a single order's; one the answer does not list is `unknown` (or
   * `submitted` when the bulk says it is still processing) and is asked about by its agent_reference.
   */
  async sendBulk(items: readonly SendItem[], bulkReference: string): Promise<SendOutcome[]> {
    const outcomes = new Map<string, SendOutcome>();
    const orders: { item: SendItem; body: string }[] = [];
    for (const item of items) {
      const product = await this.productOrRefusal(item);
      if ('status' in product) outcomes.set(item.reference, product);
      else orders.push({ item, body: this.orderBody(item, product) });
    }
    if (orders.length) {
      const body = `{"reference":${JSON.stringify(bulkReference)},"orders":[${orders.map((order) => order.body).join(',')}]}`;
      const response = await this.call({ method: 'POST', path: 'bulk', body, uncertainRetries: 2 });
      for (const outcome of this.readBulkAnswer(
        orders.map((order) => order.item),
        response,
      ))
        outcomes.set(outcome.reference, outcome);
    }
    return items.map((item) => outcomes.get(item.reference) ?? { reference: item.reference, status: 'unknown', error: 'zw: no answer for this order' });
  }

  private readBulkAnswer(items: readonly SendItem[], response: HttpResponse): SendOutcome[] {
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    const all = (status: SendOutcome['status'], error: string | null) => items.map((item) => ({ reference: item.reference, status, error, payload }));
    if (response.status >= 500) return all('unknown', `zw answered HTTP ${response.status} to the bulk`);
    if (response.status >= 200 && response.status <= 299) {
      const orders = bulkOrdersIn(parsed) ?? [];
      const byReference = new Map(orders.flatMap((order) => (typeof order.agent_reference === 'string' ? [[order.agent_reference, order] as const] : [])));
      const bulk = isRecord(parsed) ? (orderIn(parsed) ? undefined : parsed) : undefined;
      const state = textOf(bulk?.status ?? (isRecord(bulk?.data) ? bulk.data.status : undefined))?.toLowerCase();
      const processing = response.status === 202 || state === 'processing' || state === 'queued' || state === 'accepted' || state === 'pending';
      if (orders.length === 0 && !processing) this.diagnostics.unrecognised(this.name, `a bulk answer that lists no orders (HTTP ${response.status})`, payload);
      return items.map((item) => {
        const order = byReference.get(item.reference);
        if (!order) {
          return processing
            ? { reference: item.reference, status: 'submitted', error: null, payload }
            : {
                reference: item.reference,
                status: 'unknown',
                error: `zw's bulk answer does not list order ${item.reference}: ask with 'airtime reconcile'`,
                payload,
              };
        }
        return this.sendOutcome(item, order, order);
      });
    }
    const rejection = rejectionOf(parsed);
    if ((response.status === 400 || response.status === 422) && rejection) {
      if (response.afterUncertainAttempt)
        return all('unknown', `zw refused a retried bulk (${rejection.code}) after an attempt that may have been taken: ${rejection.message}`);
      return all('failed', `zw refused the bulk (${rejection.code}): ${rejection.message}`);
    }
    this.diagnostics.unrecognised(this.name, `HTTP ${response.status} to a bulk${response.status === 404 ? ' (check the base URL)' : ''}`, payload);
    return all('unknown', `zw answered HTTP ${response.status} to the bulk: ${response.text.slice(0, 200)}`);
  }

  /**
   * The provider's own check of a file's rows (POST /bulk/preview, a CSV; nothing is ordered). Throws a plain
   * error when it cannot be asked or answers what we cannot read: the caller says so and keeps its own verdict.
   */
  async previewBulk(rows: readonly PreviewRow[]): Promise<PreviewVerdict> {
    const lines = ['product_id,target,amount,agent_reference,custom_sms'];
    for (const row of rows) lines.push([row.productId ?? '', row.target, row.amount, row.reference ?? '', row.sms ?? ''].map(quoteCell).join(','));
    const response = await this.call({ method: 'POST', path: 'bulk/preview', body: `${lines.join('\n')}\n`, contentType: 'text/csv', uncertainRetries: 2 });
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    if (response.status < 200 || response.status > 299) throw failedError(`zw's bulk preview answered HTTP ${response.status}`);
    const read = readPreview(parsed);
    if (!read) {
      this.diagnostics.unrecognised(this.name, 'a bulk preview we cannot read', payload);
      throw failedError('zw answered a bulk preview we cannot read');
    }
    return { ...read, payload };
  }

  /** Starts a wallet top-up: zw answers a payment page to open; the wallet is credited once it is paid. */
  async topUp(amountMinor: number, currency: string): Promise<TopUpStarted> {
    const body = `{"amount":${formatMinor(amountMinor, currency)},"currency":${JSON.stringify(currency)}}`;
    // Not retried after an uncertain attempt: a second top-up page costs nothing, but it is not what was asked.
    const response = await this.call({ method: 'POST', path: 'wallet/topup', body });
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    const rejection = rejectionOf(parsed);
    if ((response.status === 400 || response.status === 422) && rejection) throw failedError(`zw refused the top-up (${rejection.code}): ${rejection.message}`);
    if (response.status < 200 || response.status > 299)
      throw failedError(`zw's wallet top-up answered HTTP ${response.status}: ${response.text.slice(0, 200)}`);
    const topUp = readTopUp(parsed);
    if (!topUp) {
      this.diagnostics.unrecognised(this.name, 'a top-up answer without a payment link', payload);
      throw failedError('zw answered a top-up without a payment link we can read: check the wallet in its portal');
    }
    return { id: topUp.id, paymentUrl: topUp.paymentUrl, status: topUp.status, currency, minor: amountMinor, payload };
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    const response = await this.call({ method: 'GET', path: `orders/${encodeURIComponent(transfer.reference)}`, uncertainRetries: 2 });
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    if (response.status === 404) return { status: 'not-found', scope: 'request', payload };
    if (response.status < 200 || response.status > 299) throw failedError(`zw order status answered HTTP ${response.status}`);
    const order = orderIn(parsed);
    const reference = textOf(order?.agent_reference);
    if (!order || (reference !== undefined && reference !== transfer.reference)) {
      this.diagnostics.unrecognised(this.name, order ? 'a status answer for another agent_reference' : 'an order status we cannot read', payload);
      return { status: 'unknown', error: 'zw answered an order status we cannot read', payload };
    }
    // A bare `{"status":"success"}` names no order: it may be the request's status, not the order's — no answer.
    if (reference === undefined && !['id', 'provider_ref', 'target', 'amount'].some((name) => order[name] !== undefined && order[name] !== null)) {
      this.diagnostics.unrecognised(this.name, 'an order status that names no order', payload);
      return { status: 'unknown', error: 'zw answered a status that names no order', payload };
    }
    return { ...this.orderOutcome(order), payload };
  }

  async balance(): Promise<Balance[]> {
    const response = await this.call({ method: 'GET', path: 'wallet', uncertainRetries: 2 });
    if (response.status < 200 || response.status > 299) throw failedError(`zw wallet answered HTTP ${response.status}`);
    const balances = readBalances(parseJsonText(response.text));
    if (balances.length === 0) {
      this.diagnostics.unrecognised(this.name, 'a wallet answer without a readable balance', rawPayload(response.text));
      throw failedError('zw answered a wallet we cannot read: no balance with a currency and an amount');
    }
    return balances;
  }

  async ledger(limit: number): Promise<LedgerEntry[]> {
    const response = await this.call({ method: 'GET', path: 'wallet/ledger', query: { limit: String(limit) }, uncertainRetries: 2 });
    if (response.status < 200 || response.status > 299) throw failedError(`zw ledger answered HTTP ${response.status}`);
    const parsed = parseJsonText(response.text);
    if (!listIn(parsed)) {
      this.diagnostics.unrecognised(this.name, 'a ledger answer that holds no list', rawPayload(response.text, parsed));
      throw failedError('zw answered a ledger we cannot read');
    }
    return readLedger(parsed).slice(0, limit);
  }

  async products(): Promise<Product[]> {
    if (this.catalogue) return this.catalogue;
    const cached = this.readCache();
    if (cached) return (this.catalogue = cached);
    const products: Product[] = [];
    let skipped = 0;
    let path: string | undefined = 'products';
    for (let page = 0; path && page < maxCataloguePages; page += 1) {
      const response = await this.call({ method: 'GET', path, uncertainRetries: 2 });
      if (response.status < 200 || response.status > 299) throw failedError(`zw products answered HTTP ${response.status}`);
      const parsed = parseJsonText(response.text);
      const list = listIn(parsed);
      if (!list) {
        this.diagnostics.unrecognised(this.name, 'a catalogue answer that holds no list of products', rawPayload(response.text, parsed));
        throw failedError('zw answered a product catalogue we cannot read');
      }
      for (const entry of list) {
        const product = readProduct(entry);
        if (product) products.push(product);
        else if (isRecord(entry)) skipped += 1;
      }
      path = this.samePageOrigin(nextPageOf(parsed), path);
    }
    if (skipped > 0) this.diagnostics.note(this.name, `${skipped} catalogue entries could not be read and were left out`);
    this.catalogue = products;
    try {
      writePrivateFile(this.cacheFile, JSON.stringify({ fetchedAtMs: Date.now(), origin: this.http.origin, products }));
    } catch {
      // Only costs a fetch next time.
    }
    return products;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** What an order in a send's answer (alone or in a bulk) says about the item it was sent for. */
  private sendOutcome(item: SendItem, order: JsonRecord, payload: unknown): SendOutcome {
    const outcome = this.orderOutcome(order);
    return {
      reference: item.reference,
      status: outcome.status === 'delivered' || outcome.status === 'failed' || outcome.status === 'submitted' ? outcome.status : 'unknown',
      providerReference: outcome.providerReference ?? null,
      error: outcome.error ?? null,
      payload,
      ...(outcome.delivered ? { delivered: outcome.delivered } : {}),
    };
  }

  private orderOutcome(order: JsonRecord): StatusFound {
    if (!isZwStatusWord(order.status)) this.diagnostics.unrecognised(this.name, `order status word ${JSON.stringify(order.status ?? null)}`, order);
    return zwOutcome(order);
  }

  /** The next page, only on the API's own origin: the API key is never sent anywhere else. */
  private samePageOrigin(next: string | undefined, current: string): string | undefined {
    if (!next) return undefined;
    let url: URL;
    try {
      url = new URL(next, new URL(current, this.http.baseUrl));
    } catch {
      return undefined;
    }
    if (url.origin !== this.http.origin) {
      this.diagnostics.note(this.name, `the catalogue's next page is on another host (${url.host}): not followed`);
      return undefined;
    }
    return url.href;
  }

  private readCache(): Product[] | undefined {
    try {
      const cached = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as { fetchedAtMs: number; origin: string; products: unknown[] };
      if (cached.origin !== this.http.origin || Date.now() - cached.fetchedAtMs > catalogueTtlMs || !Array.isArray(cached.products)) return undefined;
      const products = cached.products.map(readProduct);
      const complete = products.filter((product): product is Product => product !== undefined);
      return complete.length === products.length ? complete : undefined;
    } catch {
      return undefined;
    }
  }

  private async call(
    options: {
      method: 'GET' | 'POST';
      path: string;
      body?: string;
      contentType?: string;
      headers?: Record<string, string>;
      query?: Record<string, string>;
      uncertainRetries?: number;
    },
    refused: (status: number, afterUncertainAttempt: boolean) => Error = (status, after) => authRefused(this.name, status, after),
  ): Promise<HttpResponse> {
    const { contentType, headers, ...request } = options;
    const response = await this.http.request({
      ...request,
      headers: {
        authorization: `Api-Key ${this.apiKey}`,
        accept: 'application/json',
        ...(options.body ? { 'content-type': contentType ?? 'application/json' } : {}),
        ...headers,
      },
    });
    if (response.status === 401 || response.status === 403) throw refused(response.status, response.afterUncertainAttempt);
    return response;
  }
}

/** A refusal in our own error shape with a code we know means "nothing was ordered" (zw-wire.ts). */
function rejectionOf(body: unknown): { code: string; message: string } | undefined {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = textOf(error?.code);
  if (!error || !code || !(zwRejectionCodes as readonly string[]).includes(code)) return undefined;
  return { code, message: textOf(error.message) ?? code };
}

/** What an order names as its target: the meter's digits, or the phone as the subscriber knows it (national). */
function targetOf(item: SendItem): string {
  return item.product?.kind === 'zesa' ? item.phone : nationalOf(item.phone);
}

/**
 * A Zimbabwean E.164 number as the subscriber knows it (+263772279099 → 0772279099) without a full parse:
 * the catalogue check runs on every row of a file, and libphonenumber's parse is most of its cost. Other
 * numbers take the parse.
 */
function nationalOf(e164: string): string {
  return /^\+263\d{9}$/.test(e164) ? `0${e164.slice(4)}` : parsePhone(e164).national;
}

/** RFC 4180 quoting, all a machine-read CSV needs (batch/results.ts adds spreadsheet protections a server must not see). */
function quoteCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
