import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { TransportError } from './transport-error.js';

export { TransportError };

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /**
   * An earlier attempt of this same request may have reached the provider (timeout, reset, 5xx). A refusal
   * answered to a retry may then be the provider refusing a duplicate of something it already took.
   */
  readonly afterUncertainAttempt: boolean;
}

export interface HttpTimeouts {
  readonly connectMs: number;
  /** Idle limits: the longest wait for the headers, and between two chunks of the body. */
  readonly headersMs: number;
  readonly bodyMs: number;
  /**
   * The whole attempt's deadline, headers and body: an answer trickled a byte at a time never trips the idle
   * limits, and would hold a run for as long as the provider liked.
   */
  readonly totalMs: number;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Retries of a request answered 429, honouring Retry-After. */
  readonly maxRateLimitRetries?: number;
  /** Longest Retry-After we are willing to sleep for, in ms. */
  readonly maxRetryAfterMs?: number;
  readonly connections?: number;
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /**
   * Retries after an uncertain failure (timeout, reset, 5xx). Only for requests that are safe to repeat:
   * reads, and sends to a provider that deduplicates on our key.
   */
  readonly uncertainRetries?: number;
  /**
   * Retries after an uncertain failure only while this long has not passed since the first attempt: a provider
   * that remembers our key for a while (Africa's Talking's Idempotency-Key) dedupes a repeat only inside it.
   */
  readonly uncertainRetriesWithinMs?: number;
}

export const defaultTimeouts: HttpTimeouts = { connectMs: 5_000, headersMs: 30_000, bodyMs: 30_000, totalMs: 60_000 };

/** Timeouts from AIRTIME_HTTP_TIMEOUT_MS (all four: no attempt takes longer), for slow links and for tests. */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<HttpTimeouts> {
  const value = Number(env.AIRTIME_HTTP_TIMEOUT_MS);
  if (!Number.isFinite(value) || value <= 0) return {};
  return { connectMs: value, headersMs: value, bodyMs: value, totalMs: value };
}

const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** One keep-alive client per provider, on undici. */
export class HttpClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly maxRateLimitRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly totalMs: number;

  constructor(private readonly options: HttpClientOptions) {
    const timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.totalMs = timeouts.totalMs;
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      keepAliveTimeout: 10_000,
      connections: options.connections ?? 64,
    });
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 5;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  }

  get origin(): string {
    return this.base.origin;
  }

  /** The base URL every relative path is resolved against. */
  get baseUrl(): URL {
    return new URL(this.base.href);
  }

  async request(options: RequestOptions): Promise<HttpResponse> {
    const url = new URL(options.path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const uncertainRetries = options.uncertainRetries ?? 0;
    const firstAttemptAt = Date.now();
    let rateLimited = 0;
    let uncertain = 0;
    // Another attempt after an uncertain one: within the count, and landing inside the window the provider remembers our key.
    const mayRetryUncertain = () =>
      uncertain < uncertainRetries && Date.now() + backoff(uncertain + 1) - firstAttemptAt < (options.uncertainRetriesWithinMs ?? Number.POSITIVE_INFINITY);
    // Once an attempt may have reached the provider, no later attempt can prove that nothing was sent.
    let reached = false;
    for (;;) {
      let response: Omit<HttpResponse, 'afterUncertainAttempt'>;
      try {
        response = await this.once(url, options);
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (error.sent) {
          reached = true;
          if (mayRetryUncertain()) {
            uncertain += 1;
            await delay(backoff(uncertain));
            continue;
          }
          throw error;
        }
        if (reached)
          throw new TransportError(
            `${error.message.replace(/: nothing was sent$/, '')} on a retry, after an earlier attempt that may have reached ${url.host}`,
            true,
          );
        throw error;
      }
      if (response.status === 429) {
        if (rateLimited >= this.maxRateLimitRetries) {
          throw new TransportError(
            reached
              ? `${url.host} kept answering 429 (rate limited) after ${rateLimited} retries, and an earlier attempt may have reached it`
              : `${url.host} kept answering 429 (rate limited) after ${rateLimited} retries`,
            reached,
          );
        }
        rateLimited += 1;
        await delay(Math.min(retryAfterMs(response.headers['retry-after']) ?? backoff(rateLimited), this.maxRetryAfterMs));
        continue;
      }
      if (response.status >= 500) {
        if (mayRetryUncertain()) {
          reached = true;
          uncertain += 1;
          await delay(backoff(uncertain));
          continue;
        }
      }
      return { ...response, afterUncertainAttempt: reached };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async once(url: URL, options: RequestOptions): Promise<Omit<HttpResponse, 'afterUncertainAttempt'>> {
    // One deadline for the whole attempt: connect, headers and every byte of the body.
    const deadline = AbortSignal.timeout(this.totalMs);
    try {
      const response = await request(url, {
        dispatcher: this.agent,
        signal: deadline,
        method: options.method,
        headers: { 'user-agent': this.options.userAgent, ...options.headers },
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      // The request may have been read and acted on before the deadline: uncertain (unknown), never failed.
      if (deadline.aborted) throw new TransportError(`no complete answer from ${url.host} within ${this.totalMs} ms (the request's deadline)`, true);
      const code = (error as { code?: string }).code ?? '';
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
      const notSent = notSentCodes.has(code) || notSentCodes.has(cause);
      const what = error instanceof Error ? error.message : String(error);
      throw new TransportError(
        notSent ? `could not connect to ${url.host} (${code || cause || what}): nothing was sent` : `no complete answer from ${url.host} (${code || what})`,
        !notSent,
      );
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(100 * 2 ** (attempt - 1), 5_000) + Math.floor(Math.random() * 50);
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A body that should be JSON but is not: for a send the outcome is unknown. */
export class MalformedBodyError extends TransportError {
  constructor(host: string, status: number) {
    super(`${host} answered ${status} with a body that is not the expected JSON`, true);
    this.name = 'MalformedBodyError';
  }
}

export function parseJsonBody<T>(client: HttpClient, response: HttpResponse): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new MalformedBodyError(new URL(client.origin).host, response.status);
  }
}
