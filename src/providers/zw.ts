import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedError, invalidInput, isAirtimeError } from '../core/errors.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { silentDiagnostics, type ProviderDiagnostics } from './diagnostics.js';
import { HttpClient, TransportError, timeoutsFromEnv, type HttpResponse } from './http.js';
import type { Balance, LedgerEntry, Provider, SendItem, SendOutcome, StatusFound, StatusOutcome } from './provider.js';
import { userAgent } from './user-agent.js';
import { isRecord, parseJsonText, rawPayload, textOf, type JsonRecord } from './wire-read.js';
import { listIn, nextPageOf, orderIn, readBalances, readLedger, readProduct } from './zw-read.js';
import { zwNetworkOf, zwRejectionCodes, type ZwProduct } from './zw-wire.js';

export interface ZwOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly cacheDir: string;
  readonly diagnostics?: ProviderDiagnostics | undefined;
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

/** An order (bare, from a status query, a send or a webhook) in our words. */
export function zwOutcome(order: JsonRecord): StatusFound {
  const mapped = mapZwStatus(order.status);
  const message = textOf(order.message) ?? null;
  return {
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
  private catalogue: ZwProduct[] | undefined;

  constructor(options: ZwOptions) {
    if (!options.apiKey) throw missingCredential(this.name, 'an api-key');
    if (!options.baseUrl) throw missingCredential(this.name, 'a base-url (ZW_BASE_URL): the provider gives it with the account');
    this.apiKey = options.apiKey;
    this.diagnostics = options.diagnostics ?? silentDiagnostics;
    this.http = new HttpClient({ baseUrl: zwApiRoot(options.baseUrl), userAgent, timeouts: timeoutsFromEnv() });
    this.cacheFile = join(options.cacheDir, 'zw-products.json');
  }

  requestReference(): string | null {
    return null;
  }

  /** The product that sells airtime on the number's network in its currency, checked against its range. */
  async productFor(item: SendItem, national = parsePhone(item.phone).national): Promise<ZwProduct> {
    const network = zwNetworkOf(national);
    if (!network) throw invalidInput(`phone ${item.phone} is on no Zimbabwean network zw sells airtime for`);
    const product = (await this.products()).find((entry) => entry.kind === 'airtime' && entry.network === network && entry.currency === item.currency);
    if (!product) throw invalidInput(`zw sells no ${network} airtime in ${item.currency}: use USD or ZWG`);
    const minMinor = product.min === undefined ? undefined : parseProviderAmount(String(product.min), item.currency);
    const maxMinor = product.max === undefined ? undefined : parseProviderAmount(String(product.max), item.currency);
    if ((minMinor !== undefined && item.amountMinor < minMinor) || (maxMinor !== undefined && item.amountMinor > maxMinor)) {
      throw invalidInput(
        `amount ${formatMinor(item.amountMinor, item.currency)} ${item.currency} is outside ${product.name}'s range ${product.min ?? '0'}–${product.max ?? '∞'}`,
      );
    }
    return product;
  }

  /** One order per request: zw takes no batches, so the request reference is unused. */
  async send(items: readonly SendItem[], _requestReference: string | null = null): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const item of items) outcomes.push(await this.sendOne(item));
    return outcomes;
  }

  private async sendOne(item: SendItem): Promise<SendOutcome> {
    const target = parsePhone(item.phone).national;
    let product: ZwProduct;
    try {
      product = await this.productFor(item, target);
    } catch (error) {
      if (isAirtimeError(error) && error.kind === 'invalidInput') return { reference: item.reference, status: 'failed', error: error.message };
      if (isAirtimeError(error) && error.kind === 'config') throw error;
      // Only the catalogue was asked for: the order itself never left.
      throw new TransportError(
        `zw: the product catalogue could not be read (${error instanceof Error ? error.message : String(error)}): the order was not sent`,
        false,
      );
    }
    // The amount goes on the wire as the decimal text itself: no float arithmetic on money.
    const body = `{"product_id":${JSON.stringify(product.id)},"target":${JSON.stringify(target)},"amount":${formatMinor(item.amountMinor, item.currency)},"agent_reference":${JSON.stringify(item.reference)}}`;
    // zw returns the same order for a repeated agent_reference: a retry cannot charge twice.
    const response = await this.call({ method: 'POST', path: 'orders', body, uncertainRetries: 2 });
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
      const outcome = this.orderOutcome(order);
      return {
        reference: item.reference,
        status: outcome.status === 'delivered' || outcome.status === 'failed' || outcome.status === 'submitted' ? outcome.status : 'unknown',
        providerReference: outcome.providerReference ?? null,
        error: outcome.error ?? null,
        payload,
      };
    }
    const rejection = rejectionOf(parsed);
    if ((response.status === 400 || response.status === 422) && rejection) {
      if (response.afterUncertainAttempt)
        return unknown(`zw refused a retry (${rejection.code}) after an attempt that may have been taken: ${rejection.message}`);
      return { reference: item.reference, status: 'failed', error: `zw refused the order (${rejection.code}): ${rejection.message}`, payload };
    }
    this.diagnostics.unrecognised(this.name, `HTTP ${response.status} to an order${response.status === 404 ? ' (check the base URL)' : ''}`, payload);
    return unknown(`zw answered HTTP ${response.status} to the order: ${response.text.slice(0, 200)}`);
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

  async products(): Promise<ZwProduct[]> {
    if (this.catalogue) return this.catalogue;
    const cached = this.readCache();
    if (cached) return (this.catalogue = cached);
    const products: ZwProduct[] = [];
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
      writeFileSync(this.cacheFile, JSON.stringify({ fetchedAtMs: Date.now(), origin: this.http.origin, products }), { mode: 0o600 });
    } catch {
      // Only costs a fetch next time.
    }
    return products;
  }

  async close(): Promise<void> {
    await this.http.close();
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

  private readCache(): ZwProduct[] | undefined {
    try {
      const cached = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as { fetchedAtMs: number; origin: string; products: unknown[] };
      if (cached.origin !== this.http.origin || Date.now() - cached.fetchedAtMs > catalogueTtlMs || !Array.isArray(cached.products)) return undefined;
      const products = cached.products.map(readProduct);
      const complete = products.filter((product): product is ZwProduct => product !== undefined);
      return complete.length === products.length ? complete : undefined;
    } catch {
      return undefined;
    }
  }

  private async call(options: {
    method: 'GET' | 'POST';
    path: string;
    body?: string;
    query?: Record<string, string>;
    uncertainRetries?: number;
  }): Promise<HttpResponse> {
    const response = await this.http.request({
      ...options,
      headers: { authorization: `Api-Key ${this.apiKey}`, accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) },
    });
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status, response.afterUncertainAttempt);
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
