import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedError, invalidInput } from '../core/errors.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import type { TransferState } from '../core/transfer-state.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { HttpClient, parseJsonBody, timeoutsFromEnv, type HttpResponse } from './http.js';
import type { Balance, LedgerEntry, Provider, SendItem, SendOutcome, StatusOutcome } from './provider.js';
import { userAgent } from './user-agent.js';
import { zwNetworkOf, type ZwLedgerEntry, type ZwOrder, type ZwOrderStatus, type ZwProduct } from './zw-wire.js';

export interface ZwOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly cacheDir: string;
}

const catalogueTtlMs = 60 * 60 * 1000;

export function mapZwStatus(status: ZwOrderStatus | string): { status: TransferState; note?: string } {
  switch (status) {
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

export function zwOutcome(order: ZwOrder): StatusOutcome {
  const mapped = mapZwStatus(order.status);
  return {
    status: mapped.status,
    providerReference: order.provider_ref,
    error:
      mapped.status === 'failed'
        ? (order.message ?? order.status)
        : mapped.status === 'unknown'
          ? (order.message ?? 'the provider has not confirmed yet')
          : null,
    note: mapped.note ?? null,
    payload: order,
  };
}

export class ZwProvider implements Provider {
  readonly name = 'zw' as const;
  readonly capabilities = providerCatalog.zw.capabilities;
  private readonly http: HttpClient;
  private readonly apiKey: string;
  private readonly cacheFile: string;
  private catalogue: ZwProduct[] | undefined;

  constructor(options: ZwOptions) {
    if (!options.apiKey) throw missingCredential(this.name, 'an api-key');
    if (!options.baseUrl) throw missingCredential(this.name, 'a base-url (ZW_BASE_URL): the provider gives it with the account');
    this.apiKey = options.apiKey;
    this.http = new HttpClient({ baseUrl: options.baseUrl.replace(/\/+$/, '') + '/api/v1/', userAgent, timeouts: timeoutsFromEnv() });
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
    const minMinor = parseProviderAmount(String(product.min), item.currency);
    const maxMinor = parseProviderAmount(String(product.max), item.currency);
    if (item.amountMinor < minMinor || item.amountMinor > maxMinor) {
      throw invalidInput(
        `amount ${formatMinor(item.amountMinor, item.currency)} ${item.currency} is outside ${product.name}'s range ${product.min}–${product.max}`,
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
      if (error instanceof Error && 'kind' in error && error.kind === 'invalidInput')
        return { reference: item.reference, status: 'failed', error: error.message };
      throw error;
    }
    // The amount goes on the wire as the decimal text itself: no float arithmetic on money.
    const body = `{"product_id":${product.id},"target":${JSON.stringify(target)},"amount":${formatMinor(item.amountMinor, item.currency)},"agent_reference":${JSON.stringify(item.reference)}}`;
    // zw returns the same order for a repeated agent_reference: a retry cannot charge twice.
    const response = await this.call({ method: 'POST', path: 'orders', body, uncertainRetries: 2 });
    if (response.status >= 500)
      return { reference: item.reference, status: 'unknown', error: `zw answered HTTP ${response.status}`, payload: response.text.slice(0, 500) };
    if (response.status !== 200 && response.status !== 201) {
      const error = safeError(response.text);
      return {
        reference: item.reference,
        status: 'failed',
        error: `zw refused the order (HTTP ${response.status}): ${error}`,
        payload: response.text.slice(0, 500),
      };
    }
    const order = parseJsonBody<ZwOrder>(this.http, response);
    const outcome = zwOutcome(order);
    return {
      reference: item.reference,
      status: outcome.status as SendOutcome['status'],
      providerReference: outcome.providerReference ?? null,
      error: outcome.error ?? null,
      payload: order,
    };
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    const response = await this.call({ method: 'GET', path: `orders/${encodeURIComponent(transfer.reference)}`, uncertainRetries: 2 });
    if (response.status === 404) return { status: 'not-found' };
    if (response.status !== 200) throw failedError(`zw order status answered HTTP ${response.status}`);
    return zwOutcome(parseJsonBody<ZwOrder>(this.http, response));
  }

  async balance(): Promise<Balance[]> {
    const response = await this.call({ method: 'GET', path: 'wallet', uncertainRetries: 2 });
    if (response.status !== 200) throw failedError(`zw wallet answered HTTP ${response.status}`);
    const answer = parseJsonBody<{ balances: { currency: string; balance: string }[] }>(this.http, response);
    return answer.balances.map((entry) => ({ currency: entry.currency, minor: parseProviderAmount(String(entry.balance), entry.currency) }));
  }

  async ledger(limit: number): Promise<LedgerEntry[]> {
    const response = await this.call({ method: 'GET', path: 'wallet/ledger', query: { limit: String(limit) }, uncertainRetries: 2 });
    if (response.status !== 200) throw failedError(`zw ledger answered HTTP ${response.status}`);
    const answer = parseJsonBody<{ entries: ZwLedgerEntry[] }>(this.http, response);
    return answer.entries.map((entry) => ({
      at: entry.created_at,
      kind: entry.type,
      currency: entry.currency,
      minor: parseProviderAmount(entry.amount, entry.currency),
      reference: entry.reference,
      description: entry.description,
    }));
  }

  async products(): Promise<ZwProduct[]> {
    if (this.catalogue) return this.catalogue;
    const cached = this.readCache();
    if (cached) return (this.catalogue = cached);
    const response = await this.call({ method: 'GET', path: 'products', uncertainRetries: 2 });
    if (response.status !== 200) throw failedError(`zw products answered HTTP ${response.status}`);
    this.catalogue = parseJsonBody<{ products: ZwProduct[] }>(this.http, response).products;
    try {
      writeFileSync(this.cacheFile, JSON.stringify({ fetchedAtMs: Date.now(), origin: this.http.origin, products: this.catalogue }), { mode: 0o600 });
    } catch {
      // Only costs a fetch next time.
    }
    return this.catalogue;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private readCache(): ZwProduct[] | undefined {
    try {
      const cached = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as { fetchedAtMs: number; origin: string; products: ZwProduct[] };
      if (cached.origin !== this.http.origin || Date.now() - cached.fetchedAtMs > catalogueTtlMs) return undefined;
      return cached.products;
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
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status);
    return response;
  }
}

function safeError(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    return parsed.error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
