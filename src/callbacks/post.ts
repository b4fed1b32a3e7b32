import { request } from 'undici';
import { usageError } from '../core/errors.js';
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

/** Posts one callback as its provider would and reads the answer (at most 4 KiB of it). */
export async function postCallback(url: URL, callback: ShapedCallback): Promise<Posted> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': callback.contentType, ...callback.headers },
    body: callback.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  return { url: url.toString(), status: response.statusCode, body: text.slice(0, 4096) };
}
