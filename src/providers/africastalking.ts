import { failedError } from '../core/errors.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import type { Transfer } from '../journal/transfer.js';
import { providerCatalog } from './catalog.js';
import { atKeyWindowMs } from './at-window.js';
import { authRefused, missingCredential } from './credentials.js';
import { silentDiagnostics, type ProviderDiagnostics } from './diagnostics.js';
import { HttpClient, timeoutsFromEnv, type HttpResponse } from './http.js';
import type { Balance, Provider, SendItem, SendOutcome, StatusOutcome } from './provider.js';
import { requestReferenceFor } from './request-reference.js';
import { userAgent } from './user-agent.js';
import { fieldOf, isRecord, parseJsonText, rawPayload, textOf, unwrap, type JsonRecord } from './wire-read.js';

export const atLiveUrl = 'https://api.africastalking.com';
export const atSandboxUrl = 'https://api.sandbox.africastalking.com';

export interface AtOptions {
  readonly username: string | undefined;
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly diagnostics?: ProviderDiagnostics | undefined;
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

export type AtState = 'submitted' | 'delivered' | 'failed' | 'unknown';

/**
 * AT's status words (send answer, find transaction, status callback) onto ours. `Sent` and `Queued` are
 * accepted, not final; `Success` and `Failed` are final. Any other word is `unknown`: never a failure.
 */
export function mapAtStatus(status: unknown): AtState {
  switch (typeof status === 'string' ? status.trim().toLowerCase() : undefined) {
    case 'sent':
    case 'queued':
      return 'submitted';
    case 'success':
      return 'delivered';
    case 'failed':
      return 'failed';
    default:
      return 'unknown';
  }
}

/**
 * Whole-request rejections in words AT uses (africastalking.md): the request took nothing. Anything else
 * with no per-recipient answers is unknown.
 */
const rejectionWords = ['invalid requests', 'insufficient balance', 'invalid phone number', 'unsupported country', 'value outside the allowed limits'];

const isDuplicate = (message: string) => /duplicate/i.test(message);

export class AfricasTalkingProvider implements Provider {
  readonly name = 'africastalking' as const;
  readonly capabilities = providerCatalog.africastalking.capabilities;
  private readonly http: HttpClient;
  private readonly username: string;
  private readonly apiKey: string;
  private readonly diagnostics: ProviderDiagnostics;

  constructor(options: AtOptions) {
    if (!options.username) throw missingCredential(this.name, 'a username');
    if (!options.apiKey) throw missingCredential(this.name, 'an api-key');
    this.username = options.username;
    this.apiKey = options.apiKey;
    this.diagnostics = options.diagnostics ?? silentDiagnostics;
    const baseUrl = options.baseUrl ?? (options.username === 'sandbox' ? atSandboxUrl : atLiveUrl);
    this.http = new HttpClient({ baseUrl, userAgent, timeouts: timeoutsFromEnv() });
  }

  requestReference(items: readonly SendItem[]): string | null {
    return items.length === 1 && items[0] ? items[0].reference : requestReferenceFor(items.map((item) => item.reference));
  }

  async send(items: readonly SendItem[], requestReference: string | null): Promise<SendOutcome[]> {
    const recipients = items.map((item) => ({ phoneNumber: item.phone, amount: `${item.currency} ${formatMinor(item.amountMinor, item.currency)}` }));
    // maxNumRetry is per request; a batch's rows all carry the same hours (journaled with each row), so a
    // resent request is the identical one. The SDKs send it only when it is above zero.
    const retryHours = Math.max(0, ...items.map((item) => item.retryHours ?? 0));
    const body = new URLSearchParams({
      username: this.username,
      recipients: JSON.stringify(recipients),
      ...(retryHours > 0 ? { maxNumRetry: String(retryHours) } : {}),
    }).toString();
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
      // AT deduplicates on Idempotency-Key: a retry after a timeout or 5xx is the same transfer — while AT
      // remembers the key (hostile test: a retry 4.1 s after the first attempt, past a 3 s window).
      uncertainRetries: requestReference ? 2 : 0,
      uncertainRetriesWithinMs: atKeyWindowMs(),
    });
    this.checkAuth(response);
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    const all = (status: SendOutcome['status'], error: string) => items.map((item) => ({ reference: item.reference, status, error, payload }));
    if (response.status >= 500) return all('unknown', `africastalking answered HTTP ${response.status}`);
    const answer = unwrap(parsed, isSendAnswer);
    if (!answer) {
      this.diagnostics.unrecognised(this.name, `an answer to a send that is not the documented JSON (HTTP ${response.status})`, payload);
      return all('unknown', `africastalking answered HTTP ${response.status} with a body we cannot read`);
    }
    const responses = Array.isArray(answer.responses) ? answer.responses : [];
    if (responses.length > 0) return this.matchResponses(items, responses, answer, response.afterUncertainAttempt);
    // No per-recipient answers: a whole-request rejection, in words we recognise or not.
    const message = textOf(answer.errorMessage) ?? '';
    if (isDuplicate(message)) return all('unknown', `africastalking: ${message} — the earlier request may have paid; check the AT dashboard`);
    const recognised = rejectionWords.includes(message.trim().toLowerCase()) && !(Number(textOf(answer.numSent) ?? 0) > 0);
    if (recognised && !response.afterUncertainAttempt) return all('failed', `africastalking: ${message}`);
    if (recognised) return all('unknown', `africastalking: ${message}, answered to a retry after an attempt that may have been taken`);
    this.diagnostics.unrecognised(this.name, `a send answer without recipients and errorMessage ${JSON.stringify(message)} (HTTP ${response.status})`, payload);
    return all('unknown', `africastalking answered HTTP ${response.status} without recipient answers${message ? `: ${message}` : ''}`);
  }

  async status(transfer: Transfer): Promise<StatusOutcome> {
    // AT has no lookup by our key: only a recorded requestId can be asked about.
    if (!transfer.providerReference) {
      return { status: 'not-found', scope: 'transfer', note: 'africastalking has no lookup by our key and no requestId was recorded' };
    }
    const response = await this.http.request({
      method: 'GET',
      path: '/query/transaction/find',
      query: { username: this.username, transactionId: transfer.providerReference },
      headers: { apiKey: this.apiKey, accept: 'application/json' },
      uncertainRetries: 2,
    });
    this.checkAuth(response);
    if (response.status < 200 || response.status > 299) throw failedError(`africastalking status query answered HTTP ${response.status}`);
    const parsed = parseJsonText(response.text);
    const payload = rawPayload(response.text, parsed);
    if (!isRecord(parsed)) return this.unreadable('a find-transaction answer that is not a JSON object', payload);
    const found = readFindAnswer(parsed);
    if (found.kind === 'not-found') return { status: 'not-found', scope: 'transfer', note: `africastalking: ${found.message}`, payload };
    if (found.kind === 'unreadable') return this.unreadable(found.what, payload);
    const { record } = found;
    const transactionId = textOf(fieldOf(record, 'transactionId', 'requestId'));
    if (transactionId && transactionId !== transfer.providerReference) {
      return this.unreadable('a find-transaction answer about another transaction', payload);
    }
    const status = mapAtStatus(record.status);
    if (status === 'unknown') return this.unreadable(`status word ${JSON.stringify(record.status ?? null)} in a find-transaction answer`, payload);
    return {
      status,
      providerReference: transfer.providerReference,
      error: status === 'failed' ? (textOf(fieldOf(record, 'errorMessage', 'description')) ?? 'failed') : null,
      payload,
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
    if (response.status < 200 || response.status > 299) throw failedError(`africastalking balance answered HTTP ${response.status}`);
    const user = unwrap(parseJsonText(response.text), (value): value is JsonRecord => isRecord(value) && isRecord(value.UserData));
    const text = textOf(isRecord(user?.UserData) ? user.UserData.balance : undefined);
    const balance = text === undefined ? undefined : parseAtValue(text);
    if (!balance) throw failedError(`africastalking answered a balance we cannot read: ${JSON.stringify(text ?? response.text.slice(0, 100))}`);
    return [balance];
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private unreadable(what: string, payload: unknown): StatusOutcome {
    this.diagnostics.unrecognised(this.name, what, payload);
    return { status: 'unknown', error: `africastalking answered ${what}`, payload };
  }

  private checkAuth(response: HttpResponse): void {
    if (response.status === 401 || response.status === 403) throw authRefused(this.name, response.status, response.afterUncertainAttempt);
  }

  /** AT answers per phone number; a phone may appear twice in one request, so match in order. */
  private matchResponses(items: readonly SendItem[], responses: unknown[], answer: JsonRecord, afterUncertainAttempt: boolean): SendOutcome[] {
    const pending = responses.filter(isRecord);
    return items.map((item) => {
      const index = pending.findIndex((entry) => digits(entry.phoneNumber) === digits(item.phone));
      const entry = index < 0 ? undefined : pending.splice(index, 1)[0];
      if (!entry) return { reference: item.reference, status: 'unknown', error: 'africastalking did not answer for this number', payload: answer };
      const requestId = textOf(entry.requestId);
      const providerReference = requestId && requestId !== 'None' ? requestId : null;
      const message = textOf(entry.errorMessage);
      const status = mapAtStatus(entry.status);
      if (status === 'unknown') {
        this.diagnostics.unrecognised(this.name, `per-recipient status word ${JSON.stringify(entry.status ?? null)} in a send answer`, entry);
        return {
          reference: item.reference,
          status,
          providerReference,
          error: `africastalking answered status ${JSON.stringify(entry.status ?? null)}`,
          payload: entry,
        };
      }
      if (status !== 'failed') return { reference: item.reference, status, providerReference, payload: entry };
      const error = message && message !== 'None' ? message : 'Failed';
      if (isDuplicate(error)) {
        return {
          reference: item.reference,
          status: 'unknown',
          providerReference,
          error: `africastalking: ${error} — the earlier request may have paid`,
          payload: entry,
        };
      }
      if (afterUncertainAttempt) {
        return {
          reference: item.reference,
          status: 'unknown',
          providerReference,
          error: `africastalking: ${error}, answered to a retry after an attempt that may have been taken`,
          payload: entry,
        };
      }
      return { reference: item.reference, status: 'failed', providerReference, error, payload: entry };
    });
  }
}

function isSendAnswer(value: unknown): value is JsonRecord {
  return isRecord(value) && (Array.isArray(value.responses) || typeof value.errorMessage === 'string' || value.numSent !== undefined);
}

const digits = (value: unknown) => (textOf(value) ?? '').replace(/\D/g, '');

type FindAnswer =
  | { readonly kind: 'record'; readonly record: JsonRecord }
  | { readonly kind: 'not-found'; readonly message: string }
  | { readonly kind: 'unreadable'; readonly what: string };

/**
 * Both envelopes of find transaction: the documented `{status, data: {status, …}}`, where the top-level
 * status says whether the lookup worked, and a flat `{status, …}` (the node SDK's own mock answers
 * `{status: "Success"}`), where it is the transaction's. A flat `Failed` without any transaction field is
 * the lookup failing, not the transfer.
 */
function readFindAnswer(answer: JsonRecord): FindAnswer {
  const lookup = typeof answer.status === 'string' ? answer.status.trim().toLowerCase() : undefined;
  const message = textOf(fieldOf(answer, 'errorMessage', 'description', 'message')) ?? 'no such transaction';
  if (isRecord(answer.data)) {
    if (lookup === 'failed') return { kind: 'not-found', message };
    if (lookup !== undefined && lookup !== 'success') return { kind: 'unreadable', what: `lookup status word ${JSON.stringify(answer.status)}` };
    if (!describesTransaction(answer.data)) return { kind: 'unreadable', what: 'a find-transaction answer that names no transaction' };
    return { kind: 'record', record: answer.data };
  }
  if (lookup === 'failed' && !describesTransaction(answer)) return { kind: 'not-found', message };
  // A flat `{"status":"Success"}` (the node SDK's own mock) is the request's status, not a transaction's: no answer.
  if (!describesTransaction(answer)) return { kind: 'unreadable', what: 'a find-transaction answer that names no transaction' };
  return { kind: 'record', record: answer };
}

/** Whether a find-transaction record is about a transaction at all: it names one (id, destination or value). */
function describesTransaction(record: JsonRecord): boolean {
  return ['transactionId', 'requestId', 'destination', 'value', 'phoneNumber'].some((name) => record[name] !== undefined && record[name] !== null);
}
