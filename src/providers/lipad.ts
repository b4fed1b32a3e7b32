import { createHash } from 'node:crypto';
import { airtimeCommand } from '../config/in-force.js';
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../config/private-files.js';
import { join } from 'node:path';
import { BeforeRequestError, failedError, isAirtimeError } from '../core/errors.js';
import type { TransferState } from '../core/transfer-state.js';
import { parseProviderAmount } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';
import { shortestDecimal } from './amount.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { silentDiagnostics, type ProviderDiagnostics } from './diagnostics.js';
import { HttpClient, timeoutsFromEnv, type HttpResponse, type RequestOptions } from './http.js';
import type { Balance, Provider, SendItem, SendOutcome, StatusAnswer, StatusFound, StatusOutcome } from './provider.js';
import { requestReferenceFor } from './request-reference.js';
import { settleBounded, unanswered } from './status-many.js';
import { userAgent } from './user-agent.js';
import { fieldOf, integerOf, isRecord, parseJsonText, rawPayload, textOf, unwrap, type JsonRecord } from './wire-read.js';

export const lipadSandboxUrl = 'https://sandbox.api.gateway.lipad.io';

/** Wire shapes (lipad.md). Numbers may come as strings: read with wire-read.ts. */
export interface LipadRecipientStatus {
  phone_number: string;
  amount: number | string;
  service_status: number | string;
  external_reference: string;
  provider_reference?: string | null;
  correlation_id?: string | null;
  message?: string;
}

/** The documented service_status codes (lipad.md); any other code is `unknown`, never a failure. */
export function mapLipadStatus(code: number | undefined): { status: TransferState; note?: string } {
  switch (code) {
    case 600:
    case 601:
    case 604:
    case 607:
      return { status: 'submitted' };
    case 602:
      return { status: 'delivered' };
    case 603:
      return { status: 'failed' };
    case 605:
      return { status: 'reversed' };
    case 606:
      return { status: 'failed', note: 'refunded by Lipad' };
    default:
      return { status: 'unknown' };
  }
}

/** Send answers: 720 accepted, 721 validation failed (lipad.md). */
const accepted = 720;
const validationFailed = 721;

export interface LipadOptions {
  readonly consumerKey: string | undefined;
  readonly consumerSecret: string | undefined;
  readonly baseUrl: string | undefined;
  /** Folder for the cached token (the data folder). */
  readonly cacheDir: string;
  readonly diagnostics?: ProviderDiagnostics | undefined;
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
}

/** Renew this long before the provider's expiry, so a token never dies mid-request. */
const tokenMarginMs = 60_000;
/** Status queries in flight at once when many requests are asked about. */
const statusConcurrency = 4;

/** What one status query said about a whole request. */
type RequestStatus =
  | { readonly kind: 'entries'; readonly entries: JsonRecord[]; readonly payload: unknown }
  | { readonly kind: 'unknown-request'; readonly payload: unknown }
  | {
      readonly kind: 'unreadable';
      readonly payload: unknown;
    };

export class LipadProvider implements Provider {
  readonly name = 'lipad' as const;
  readonly capabilities = providerCatalog.lipad.capabilities;
  private readonly http: HttpClient;
  private readonly consumerKey: string;
  private readonly consumerSecret: string;
  private readonly cacheFile: string;
  private readonly diagnostics: ProviderDiagnostics;
  private token: CachedToken | undefined;

  constructor(options: LipadOptions) {
    if (!options.consumerKey) throw missingCredential(this.name, 'a consumer-key');
    if (!options.consumerSecret) throw missingCredential(this.name, 'a consumer-secret');
    this.consumerKey = options.consumerKey;
    this.consumerSecret = options.consumerSecret;
    this.diagnostics = options.diagnostics ?? silentDiagnostics;
    // Lipad publishes no live airtime host: without a base URL, the sandbox is used — and the user is told.
    if (!options.baseUrl) {
      this.diagnostics.note(
        this.name,
        `no base URL is set: using the sandbox host ${lipadSandboxUrl} (set LIPAD_BASE_URL or '${airtimeCommand('config set base-url', 'setting')}' for live)`,
      );
    }
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
      // The page shows whole amounts as "10": the shortest decimal, never "10.00".
      recipients: items.map((item) => ({ phone_number: item.phone.replace(/^\+/, ''), amount: shortestDecimal(item.amountMinor, item.currency) })),
    });
    // Never resent in the call after an uncertain attempt: Lipad says only that a reference "must be unique
    // per request", not that a repeat is deduplicated (it may be refused with 721, or paid twice). What a
    // lost answer left is settled by a status query or an operator, never by a second request (lipad.md).
    const response = await this.authorised({
      method: 'POST',
      path: '/v1/gw/airtime/send',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      uncertainRetries: 0,
    });
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    const all = (status: SendOutcome['status'], error: string | null) => items.map((item) => ({ reference: item.reference, status, error, payload }));
    if (response.status >= 500) return all('unknown', `lipad answered HTTP ${response.status}`);
    const answer = unwrap(parsed, (value): value is JsonRecord => isRecord(value) && value.response_code !== undefined);
    const code = integerOf(answer?.response_code);
    const description = textOf(answer?.response_description);
    const answeredReference = textOf(answer?.reference);
    if (code === accepted && response.status < 300) {
      if (answeredReference !== undefined && answeredReference !== reference) {
        this.diagnostics.unrecognised(this.name, 'a send answer for another reference', payload);
        return all('unknown', `lipad accepted reference ${answeredReference}, not ${reference}`);
      }
      return items.map((item) => ({ reference: item.reference, status: 'submitted', providerReference: null, payload }));
    }
    if (code === validationFailed) {
      // A refusal of a retry may be Lipad refusing a reference it already took on the first attempt.
      if (response.afterUncertainAttempt)
        return all('unknown', `lipad: ${description ?? 'validation failed'} (721), answered to a retry after an attempt that may have been taken`);
      return all('failed', `lipad: ${description ?? 'validation failed'} (721)`);
    }
    this.diagnostics.unrecognised(
      this.name,
      code === undefined ? `a send answer without a readable response_code (HTTP ${response.status})` : `send response_code ${code} (HTTP ${response.status})`,
      payload,
    );
    return all(
      'unknown',
      `lipad answered HTTP ${response.status}${code !== undefined ? ` with response_code ${code}` : ''}${description ? `: ${description}` : ''}`,
    );
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    const request = await this.requestStatus(this.referenceOf(transfer));
    return this.outcomeFor(transfer, request);
  }

  /** One GET per distinct request reference answers every recipient of that request. */
  async statusMany(transfers: readonly Transfer[]): Promise<StatusAnswer[]> {
    const groups = new Map<string, number[]>();
    transfers.forEach((transfer, index) => {
      const reference = this.referenceOf(transfer);
      groups.set(reference, [...(groups.get(reference) ?? []), index]);
    });
    const references = [...groups.keys()];
    const requests = await settleBounded(references, (reference) => this.requestStatus(reference), statusConcurrency);
    const answers = new Array<StatusAnswer>(transfers.length);
    requests.forEach((request, index) => {
      for (const transferIndex of groups.get(references[index] as string) ?? []) {
        answers[transferIndex] = request.ok ? this.outcomeFor(transfers[transferIndex] as Transfer, request.value) : unanswered(request.error);
      }
    });
    return answers;
  }

  balance(): Promise<Balance[]> {
    return Promise.reject(failedError('balance is not supported by lipad: it publishes no balance endpoint; check the merchant portal'));
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private referenceOf(transfer: Transfer): string {
    return transfer.requestReference ?? this.requestReference([transfer]);
  }

  /**
   * Every recipient of one request. Lipad does not say how it answers for a reference it does not know:
   * a 404 and an empty list both mean it has no such request.
   */
  private async requestStatus(requestReference: string): Promise<RequestStatus> {
    const response = await this.authorised({
      method: 'GET',
      path: `/v1/gw/airtime/${encodeURIComponent(requestReference)}/status`,
      headers: { accept: 'application/json' },
      uncertainRetries: 2,
    });
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    if (response.status === 404) return { kind: 'unknown-request', payload };
    if (response.status < 200 || response.status > 299) throw failedError(`lipad status query answered HTTP ${response.status}`);
    const list = unwrap(parsed, (value): value is unknown[] => Array.isArray(value));
    if (!list) {
      this.diagnostics.unrecognised(this.name, 'a status answer that is not a list of recipients', payload);
      return { kind: 'unreadable', payload };
    }
    if (list.length === 0) return { kind: 'unknown-request', payload };
    return { kind: 'entries', entries: list.filter(isRecord), payload };
  }

  private outcomeFor(transfer: Transfer, request: RequestStatus): StatusOutcome {
    if (request.kind === 'unknown-request') return { status: 'not-found', scope: 'request', payload: request.payload };
    if (request.kind === 'unreadable') return { status: 'unknown', error: 'lipad answered a status we cannot read', payload: request.payload };
    const digits = transfer.phone.replace(/\D/g, '');
    const samePhone = request.entries.filter((entry) => (textOf(entry.phone_number) ?? '').replace(/\D/g, '') === digits);
    const entry = samePhone.find((candidate) => amountMatches(candidate.amount, transfer)) ?? (samePhone.length === 1 ? samePhone[0] : undefined);
    if (!entry)
      return {
        status: 'not-found',
        scope: 'transfer',
        note: `lipad lists no recipient ${digits} in request ${this.referenceOf(transfer)}`,
        payload: request.payload,
      };
    const outcome = lipadOutcome(entry);
    if (outcome.status === 'unknown') this.diagnostics.unrecognised(this.name, `service_status ${JSON.stringify(entry.service_status ?? null)}`, entry);
    return outcome;
  }

  /** A request with a valid token; on a 401 or 403, authenticate once more and retry that call once. */
  private async authorised(options: RequestOptions): Promise<HttpResponse> {
    let token: string;
    try {
      token = await this.accessToken(false);
    } catch (error) {
      // Nothing of the call has left yet (hostile test: a 503 from /v1/auth left sends `unknown` for good). A
      // transport error says so itself, a credential error is configuration: only our own refusal needs saying.
      throw isAirtimeError(error) && error.kind === 'failed' ? new BeforeRequestError(error) : error;
    }
    const first = await this.http.request({ ...options, headers: { ...options.headers, 'x-access-token': token } });
    if (first.status !== 401 && first.status !== 403) return first;
    const second = await this.http.request({ ...options, headers: { ...options.headers, 'x-access-token': await this.accessToken(true) } });
    // The first call may have been retried after an attempt that reached Lipad: that stays true of the second.
    return this.checkAuth({ ...second, afterUncertainAttempt: first.afterUncertainAttempt || second.afterUncertainAttempt });
  }

  private checkAuth(response: HttpResponse): HttpResponse {
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status, response.afterUncertainAttempt);
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
    if (response.status < 200 || response.status > 299) throw failedError(`lipad authentication answered HTTP ${response.status}`);
    // The answer carries the token: it is never sampled into diagnostics or errors.
    const answer = unwrap(
      parseJsonText(response.text),
      (value): value is JsonRecord => isRecord(value) && fieldOf(value, 'access_token', 'accessToken', 'token') !== undefined,
    );
    const token = textOf(answer ? fieldOf(answer, 'access_token', 'accessToken', 'token') : undefined);
    if (!answer || !token) throw failedError('lipad authentication answered without an access_token');
    const expiresIn = integerOf(fieldOf(answer, 'expiresIn', 'expires_in')) ?? 3600;
    this.token = { token, expiresAtMs: now + expiresIn * 1000 };
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
      writePrivateFile(this.cacheFile, JSON.stringify(token));
    } catch {
      // A cache that cannot be written only costs an extra authentication next time.
    }
  }
}

/** Amounts as a number or a string; the currency is the transfer's (Lipad pays in local currency). */
function amountMatches(amount: unknown, transfer: Transfer): boolean {
  const text = textOf(amount);
  if (text === undefined) return false;
  try {
    return parseProviderAmount(text, transfer.currency) === transfer.amountMinor;
  } catch {
    return false;
  }
}

/** One recipient's status (a status-query entry or a callback) in our words. */
export function lipadOutcome(entry: JsonRecord | LipadRecipientStatus): StatusFound {
  const record = entry as JsonRecord;
  const code = integerOf(record.service_status);
  const mapped = mapLipadStatus(code);
  const message = textOf(record.message);
  return {
    status: mapped.status,
    providerReference: textOf(record.provider_reference) ?? null,
    error:
      mapped.status === 'failed'
        ? (message ?? `service_status ${code}`)
        : mapped.status === 'unknown'
          ? `lipad answered service_status ${JSON.stringify(record.service_status ?? null)}`
          : null,
    note: mapped.note ?? null,
    payload: entry,
  };
}
