import { failedError } from '../core/errors.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { authRefused, missingCredential } from './credentials.js';
import { HttpClient, parseJsonBody, timeoutsFromEnv, type HttpResponse } from './http.js';
import type { Balance, Provider, SendItem, SendOutcome, StatusOutcome } from './provider.js';
import { requestReferenceFor } from './request-reference.js';
import { userAgent } from './user-agent.js';

export const atLiveUrl = 'https://api.africastalking.com';
export const atSandboxUrl = 'https://api.sandbox.africastalking.com';

/** Wire shapes (africastalking.md). */
interface AtSendResponse {
  errorMessage: string;
  numSent: number;
  totalAmount?: string;
  totalDiscount?: string;
  responses: { phoneNumber: string; errorMessage: string; amount: string; status: string; requestId: string; discount?: string }[];
}

interface AtFindResponse {
  status: string;
  errorMessage?: string;
  data?: { status?: string; transactionId?: string; value?: string; destination?: string; errorMessage?: string; description?: string };
}

export interface AtOptions {
  readonly username: string | undefined;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
}

/** "KES 100.0000" → currency and minor units. */
export function parseAtValue(value: string): { currency: string; minor: number } | undefined {
  const match = /^([A-Z]{3})\s+(-?\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  try {
    return { currency: match[1], minor: parseProviderAmount(match[2], match[1]) };
  } catch {
    return undefined;
  }
}

/** AT's final status words (status callback, find transaction) onto ours; anything else is not final. */
export function mapAtStatus(status: string | undefined): 'delivered' | 'failed' | 'submitted' {
  if (status === 'Success') return 'delivered';
  if (status === 'Failed') return 'failed';
  return 'submitted';
}

export class AfricasTalkingProvider implements Provider {
  readonly name = 'africastalking' as const;
  readonly capabilities = providerCatalog.africastalking.capabilities;
  private readonly http: HttpClient;
  private readonly username: string;
  private readonly apiKey: string;

  constructor(options: AtOptions) {
    if (!options.username) throw missingCredential(this.name, 'a username');
    if (!options.apiKey) throw missingCredential(this.name, 'an api-key');
    this.username = options.username;
    this.apiKey = options.apiKey;
    const baseUrl = options.baseUrl ?? (options.username === 'sandbox' ? atSandboxUrl : atLiveUrl);
    this.http = new HttpClient({ baseUrl, userAgent, timeouts: timeoutsFromEnv() });
  }

  requestReference(items: readonly SendItem[]): string | null {
    return items.length === 1 && items[0] ? items[0].reference : requestReferenceFor(items.map((item) => item.reference));
  }

  async send(items: readonly SendItem[], requestReference: string | null): Promise<SendOutcome[]> {
    const recipients = items.map((item) => ({ phoneNumber: item.phone, amount: `${item.currency} ${formatMinor(item.amountMinor, item.currency)}` }));
    const body = new URLSearchParams({ username: this.username, recipients: JSON.stringify(recipients) }).toString();
    const response = await this.http.request({
      method: 'POST',
      path: '/version1/airtime/send',
      headers: {
        apiKey: this.apiKey,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        ...(requestReference ? { 'idempotency-key': requestReference } : {}),
      },
      body,
      // AT deduplicates on Idempotency-Key: a retry after a timeout or 5xx is the same transfer.
      uncertainRetries: requestReference ? 2 : 0,
    });
    this.checkAuth(response);
    if (response.status >= 500)
      return items.map((item) => ({
        reference: item.reference,
        status: 'unknown',
        error: `africastalking answered HTTP ${response.status}`,
        payload: response.text.slice(0, 500),
      }));
    if (response.status !== 201) {
      return items.map((item) => ({
        reference: item.reference,
        status: 'failed',
        error: `africastalking refused the request (HTTP ${response.status}): ${response.text.slice(0, 200)}`,
        payload: response.text.slice(0, 500),
      }));
    }
    const answer = parseJsonBody<AtSendResponse>(this.http, response);
    if (!Array.isArray(answer.responses))
      return items.map((item) => ({ reference: item.reference, status: 'unknown', error: 'africastalking answered without responses', payload: answer }));
    if (answer.responses.length === 0) {
      // A whole-request rejection. "Duplicate" means an identical request was taken minutes ago: it may have paid.
      const duplicate = /duplicate/i.test(answer.errorMessage);
      return items.map((item) => ({
        reference: item.reference,
        status: duplicate ? 'unknown' : 'failed',
        error: duplicate
          ? `africastalking: ${answer.errorMessage} — the earlier request may have paid; check the AT dashboard`
          : `africastalking: ${answer.errorMessage}`,
        payload: answer,
      }));
    }
    return matchResponses(items, answer);
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    // AT has no lookup by our key: only a recorded requestId can be asked about.
    if (!transfer.providerReference) return { status: 'not-found', note: 'africastalking has no lookup by our key and no requestId was recorded' };
    const response = await this.http.request({
      method: 'GET',
      path: '/query/transaction/find',
      query: { username: this.username, transactionId: transfer.providerReference },
      headers: { apiKey: this.apiKey, accept: 'application/json' },
      uncertainRetries: 2,
    });
    this.checkAuth(response);
    if (response.status !== 200) throw failedError(`africastalking status query answered HTTP ${response.status}`);
    const answer = parseJsonBody<AtFindResponse>(this.http, response);
    if (answer.status !== 'Success' || !answer.data) return { status: 'not-found', payload: answer };
    const status = mapAtStatus(answer.data.status);
    return {
      status,
      providerReference: answer.data.transactionId ?? transfer.providerReference,
      error: status === 'failed' ? (answer.data.errorMessage ?? answer.data.description ?? 'failed') : null,
      payload: answer,
    };
  }

  async balance(): Promise<Balance[]> {
    const response = await this.http.request({
      method: 'GET',
      path: '/version1/user',
      query: { username: this.username },
      headers: { apiKey: this.apiKey, accept: 'application/json' },
      uncertainRetries: 2,
    });
    this.checkAuth(response);
    if (response.status !== 200) throw failedError(`africastalking balance answered HTTP ${response.status}`);
    const answer = parseJsonBody<{ UserData?: { balance?: string } }>(this.http, response);
    const balance = parseAtValue(answer.UserData?.balance ?? '');
    if (!balance) throw failedError(`africastalking answered a balance we cannot read: ${JSON.stringify(answer.UserData?.balance)}`);
    return [balance];
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private checkAuth(response: HttpResponse): void {
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status);
  }
}

/** AT answers per phone number; a phone may appear twice in one request, so match in order. */
function matchResponses(items: readonly SendItem[], answer: AtSendResponse): SendOutcome[] {
  const pending = [...answer.responses];
  return items.map((item) => {
    const index = pending.findIndex((entry) => entry.phoneNumber === item.phone);
    if (index < 0) return { reference: item.reference, status: 'unknown', error: 'africastalking did not answer for this number', payload: answer };
    const [entry] = pending.splice(index, 1);
    if (!entry) return { reference: item.reference, status: 'unknown', error: 'africastalking did not answer for this number' };
    if (entry.status === 'Sent' || entry.status === 'Success') {
      return { reference: item.reference, status: entry.status === 'Success' ? 'delivered' : 'submitted', providerReference: entry.requestId, payload: entry };
    }
    return {
      reference: item.reference,
      status: 'failed',
      providerReference: entry.requestId && entry.requestId !== 'None' ? entry.requestId : null,
      error: entry.errorMessage || entry.status,
      payload: entry,
    };
  });
}
