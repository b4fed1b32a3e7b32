import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedError } from '../core/errors.js';
import type { TransferState } from '../core/transfer-state.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { HttpClient, parseJsonBody, timeoutsFromEnv, type HttpResponse, type RequestOptions } from './http.js';
import type { Balance, Provider, SendItem, SendOutcome, StatusOutcome } from './provider.js';
import { requestReferenceFor } from './request-reference.js';
import { userAgent } from './user-agent.js';

export const lipadSandboxUrl = 'https://sandbox.api.gateway.lipad.io';

/** Wire shapes (lipad.md). */
export interface LipadRecipientStatus {
  phone_number: string;
  amount: number | string;
  service_status: number;
  external_reference: string;
  provider_reference?: string | null;
  correlation_id?: string | null;
  message?: string;
}

/** service_status → unified state; the pending codes (600, 601, 604, 607) are not final. */
export function mapLipadStatus(code: number): { status: TransferState; note?: string } {
  switch (code) {
    case 602:
      return { status: 'delivered' };
    case 603:
      return { status: 'failed' };
    case 605:
      return { status: 'reversed' };
    case 606:
      return { status: 'failed', note: 'refunded by Lipad' };
    default:
      return { status: 'submitted' };
  }
}

export interface LipadOptions {
  readonly consumerKey: string | undefined;
  readonly consumerSecret: string | undefined;
  readonly baseUrl: string | undefined;
  /** Folder for the cached token (the data folder). */
  readonly cacheDir: string;
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
}

/** Renew this long before the provider's expiry, so a token never dies mid-request. */
const tokenMarginMs = 60_000;

export class LipadProvider implements Provider {
  readonly name = 'lipad' as const;
  readonly capabilities = providerCatalog.lipad.capabilities;
  private readonly http: HttpClient;
  private readonly consumerKey: string;
  private readonly consumerSecret: string;
  private readonly cacheFile: string;
  private token: CachedToken | undefined;

  constructor(options: LipadOptions) {
    if (!options.consumerKey) throw missingCredential(this.name, 'a consumer-key');
    if (!options.consumerSecret) throw missingCredential(this.name, 'a consumer-secret');
    this.consumerKey = options.consumerKey;
    this.consumerSecret = options.consumerSecret;
    const baseUrl = options.baseUrl ?? lipadSandboxUrl;
    this.http = new HttpClient({ baseUrl, userAgent, timeouts: timeoutsFromEnv() });
    const id = createHash('sha256').update(`${baseUrl}\n${this.consumerKey}`).digest('hex').slice(0, 16);
    this.cacheFile = join(options.cacheDir, `lipad-token-${id}.json`);
  }

  requestReference(items: readonly SendItem[]): string {
    return requestReferenceFor(items.map((item) => item.reference));
  }

  async send(items: readonly SendItem[], requestReference: string | null): Promise<SendOutcome[]> {
    const reference = requestReference ?? this.requestReference(items);
    const body = JSON.stringify({
      reference,
      recipients: items.map((item) => ({ phone_number: item.phone.replace(/^\+/, ''), amount: formatMinor(item.amountMinor, item.currency) })),
    });
    // Lipad deduplicates on the request reference: a retry after a timeout is the same request.
    const response = await this.authorised({
      method: 'POST',
      path: '/v1/gw/airtime/send',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      uncertainRetries: 2,
    });
    if (response.status >= 500)
      return items.map((item) => ({
        reference: item.reference,
        status: 'unknown',
        error: `lipad answered HTTP ${response.status}`,
        payload: response.text.slice(0, 500),
      }));
    const answer = parseJsonBody<{ reference?: string; response_code?: number; response_description?: string }>(this.http, response);
    if (response.status < 300 && answer.response_code === 720) {
      return items.map((item) => ({ reference: item.reference, status: 'submitted', providerReference: null, payload: answer }));
    }
    const description = answer.response_description ?? `HTTP ${response.status}`;
    return items.map((item) => ({
      reference: item.reference,
      status: 'failed',
      error: `lipad: ${description} (${answer.response_code ?? response.status})`,
      payload: answer,
    }));
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    const all = await this.requestStatus(transfer.requestReference ?? this.requestReference([transfer]));
    if (all === undefined) return { status: 'not-found' };
    const digits = transfer.phone.replace(/^\+/, '');
    const entry = all.find((item) => item.phone_number === digits && amountMatches(item.amount, transfer));
    if (!entry) return { status: 'not-found', payload: all };
    return lipadOutcome(entry);
  }

  /** Every recipient of one request, or undefined when Lipad does not know the request. */
  async requestStatus(requestReference: string): Promise<LipadRecipientStatus[] | undefined> {
    const response = await this.authorised({
      method: 'GET',
      path: `/v1/gw/airtime/${encodeURIComponent(requestReference)}/status`,
      headers: { accept: 'application/json' },
      uncertainRetries: 2,
    });
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw failedError(`lipad status query answered HTTP ${response.status}`);
    const answer = parseJsonBody<LipadRecipientStatus[]>(this.http, response);
    if (!Array.isArray(answer)) throw failedError('lipad status query answered something that is not a list');
    return answer;
  }

  async balance(): Promise<Balance[]> {
    throw failedError('balance is not supported by lipad: it publishes no balance endpoint; check the merchant portal');
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** A request with a valid token; on a 401, authenticate once more and retry that call once. */
  private async authorised(options: RequestOptions): Promise<HttpResponse> {
    const first = await this.http.request({ ...options, headers: { ...options.headers, 'x-access-token': await this.accessToken(false) } });
    if (first.status !== 401) return this.checkAuth(first);
    const second = await this.http.request({ ...options, headers: { ...options.headers, 'x-access-token': await this.accessToken(true) } });
    return this.checkAuth(second);
  }

  private checkAuth(response: HttpResponse): HttpResponse {
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status);
    return response;
  }

  private async accessToken(renew: boolean): Promise<string> {
    const now = Date.now();
    if (!renew) {
      this.token ??= this.readCache();
      if (this.token && this.token.expiresAtMs - tokenMarginMs > now) return this.token.token;
    }
    const response = await this.http.request({
      method: 'POST',
      path: '/v1/auth',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ consumer_key: this.consumerKey, consumer_secret: this.consumerSecret }),
      uncertainRetries: 2,
    });
    this.checkAuth(response);
    if (response.status !== 200 && response.status !== 201) throw failedError(`lipad authentication answered HTTP ${response.status}`);
    const answer = parseJsonBody<{ access_token?: string; expiresIn?: number }>(this.http, response);
    if (!answer.access_token) throw failedError('lipad authentication answered without an access_token');
    this.token = { token: answer.access_token, expiresAtMs: now + (answer.expiresIn ?? 3600) * 1000 };
    this.writeCache(this.token);
    return this.token.token;
  }

  private readCache(): CachedToken | undefined {
    try {
      const cached = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as CachedToken;
      return typeof cached.token === 'string' && typeof cached.expiresAtMs === 'number' ? cached : undefined;
    } catch {
      return undefined;
    }
  }

  private writeCache(token: CachedToken): void {
    try {
      writeFileSync(this.cacheFile, JSON.stringify(token), { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs an extra authentication next time.
    }
  }
}

function amountMatches(amount: number | string, transfer: Transfer): boolean {
  try {
    return parseProviderAmount(String(amount), transfer.currency) === transfer.amountMinor;
  } catch {
    return false;
  }
}

export function lipadOutcome(entry: LipadRecipientStatus): StatusOutcome {
  const mapped = mapLipadStatus(entry.service_status);
  return {
    status: mapped.status,
    providerReference: entry.provider_reference ?? null,
    error: mapped.status === 'failed' ? (entry.message ?? `service_status ${entry.service_status}`) : null,
    note: mapped.note ?? null,
    payload: entry,
  };
}
