import { request } from 'undici';
import { usageError } from '../core/errors.js';
import { timeoutsFromEnv } from '../providers/http.js';
import { routePath } from './routes.js';
import type { ShapedCallback } from './shapes.js';

export interface Posted {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

/**
 * Where a callback goes: `to` as given when it names a path, else the listener's route for the provider
 * (with the path token where the route takes one) — so `--to http://127.0.0.1:4000` is enough.
 */
export function callbackUrl(to: string, provider: ShapedCallback['provider'], pathToken: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw usageError(`--to "${to}" is not a URL: give the listener's address, e.g. http://127.0.0.1:4000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--to "${to}" is not an http(s) URL`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = routePath({ provider, kind: 'status' }, pathToken);
  return url;
}

/**
 * The whole deadline of a callback post (headers and body): the idle timeouts alone let an answer trickled a
 * byte at a time hold the command, or the provider waiting on a forwarded callback, for minutes.
 * AIRTIME_HTTP_TIMEOUT_MS sets it, as it does the providers' requests.
 */
export function callbackDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  return timeoutsFromEnv(env).totalMs ?? 10_000;
}

/** What a post that ran out of time reports (as an error `code`: callers print that). */
export function deadlineCode(ms: number): string {
  return `no complete answer within ${ms} ms`;
}

/** Posts one callback as its provider would and reads the answer (at most 4 KiB of it). */
export async function postCallback(url: URL, callback: ShapedCallback): Promise<Posted> {
  const ms = callbackDeadlineMs();
  const signal = AbortSignal.timeout(ms);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': callback.contentType, ...callback.headers },
      body: callback.body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      signal,
    });
    const text = await response.body.text();
    return { url: url.toString(), status: response.statusCode, body: text.slice(0, 4096) };
  } catch (error) {
    if (signal.aborted) throw Object.assign(new Error(deadlineCode(ms)), { code: deadlineCode(ms) });
    throw error;
  }
}
