import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, TransportError } from '../../src/providers/http.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

/** What an attempt that may have reached the provider means for the final error, whatever retries saw after it. */
describe('the HTTP client: sent or not sent', () => {
  let server: ScriptedServer | undefined;
  let client: HttpClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  const connect = (url: string) => (client = new HttpClient({ baseUrl: url, userAgent: 'test', maxRateLimitRetries: 2, maxRetryAfterMs: 0 }));

  async function failure(promise: Promise<unknown>): Promise<TransportError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransportError);
    return error as TransportError;
  }

  it('retries after an uncertain answer only inside the window the provider remembers our key for', async () => {
    // Hostile test: Africa's Talking's send was retried 4.1 s after its first attempt, past a 3 s key window.
    server = await startScriptedServer(() => ({ status: 503, body: 'busy' }));
    const http = connect(server.url);
    const inside = await http.request({ method: 'POST', path: '/send', body: '{}', uncertainRetries: 2, uncertainRetriesWithinMs: 60_000 });
    expect(inside.status).toBe(503);
    expect(server.requests).toHaveLength(3);
    const past = await http.request({ method: 'POST', path: '/send', body: '{}', uncertainRetries: 2, uncertainRetriesWithinMs: 0 });
    expect(past.status).toBe(503);
    expect(past.afterUncertainAttempt).toBe(false);
    expect(server.requests).toHaveLength(4);
  });

  it('a reset on the first attempt, then only 429s: the request may have been taken (sent: true)', async () => {
    server = await startScriptedServer((_, index) => (index === 0 ? { reset: true } : { status: 429, headers: { 'retry-after': '0' }, body: 'slow down' }));
    const error = await failure(connect(server.url).request({ method: 'POST', path: '/orders', body: '{}', uncertainRetries: 2 }));
    expect(server.requests).toHaveLength(4);
    expect(error.sent).toBe(true);
    expect(error.message).toMatch(/earlier attempt may have reached/);
  });

  it('only 429s from the start: provably nothing was taken (sent: false)', async () => {
    server = await startScriptedServer(() => ({ status: 429, headers: { 'retry-after': '0' } }));
    const error = await failure(connect(server.url).request({ method: 'POST', path: '/orders', body: '{}', uncertainRetries: 2 }));
    expect(server.requests).toHaveLength(3);
    expect(error.sent).toBe(false);
  });

  it('a 503 on the first attempt, then 429s: sent: true', async () => {
    server = await startScriptedServer((_, index) => (index === 0 ? { status: 503 } : { status: 429, headers: { 'retry-after': '0' } }));
    const error = await failure(connect(server.url).request({ method: 'POST', path: '/orders', body: '{}', uncertainRetries: 2 }));
    expect(error.sent).toBe(true);
  });

  it('a reset, then the provider goes away (connection refused on the retry): sent: true', async () => {
    let closing: Promise<void> | undefined;
    const scripted = await startScriptedServer(() => {
      closing ??= scripted.close();
      return { reset: true };
    });
    const error = await failure(connect(scripted.url).request({ method: 'GET', path: '/status', uncertainRetries: 2 }));
    await closing;
    expect(scripted.requests).toHaveLength(1);
    expect(error.sent).toBe(true);
    expect(error.message).not.toMatch(/nothing was sent/);
  });

  it('an answer after an uncertain attempt says so, so an adapter does not read a refusal as final', async () => {
    server = await startScriptedServer((_, index) => (index === 0 ? { reset: true } : { status: 400, body: '{"response_code":721}' }));
    const response = await connect(server.url).request({ method: 'POST', path: '/send', body: '{}', uncertainRetries: 2 });
    expect(response.status).toBe(400);
    expect(response.afterUncertainAttempt).toBe(true);
  });
});

/** Deadlines are whole: an answer that crawls in (never idle long enough for an idle timeout) still ends on time. */
describe('the HTTP client: one deadline for the whole request', () => {
  let server: ScriptedServer | undefined;
  let client: HttpClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  // Idle limits far above the trickle's gaps (100 ms): only the overall deadline (800 ms) can end these.
  const slowLink = (url: string) =>
    (client = new HttpClient({ baseUrl: url, userAgent: 'test', timeouts: { connectMs: 5_000, headersMs: 5_000, bodyMs: 5_000, totalMs: 800 } }));
  const body = JSON.stringify({ status: 'Success', padding: 'x'.repeat(200) });

  it.each([
    ['the body', false],
    ['the headers and the body', true],
  ])('%s trickled a byte every 100 ms: given up at the deadline, as uncertain (sent: true), not after the ~25 s it takes', async (_, trickleHeaders) => {
    server = await startScriptedServer(() => ({ status: 200, body, trickleMs: 100, trickleHeaders }));
    const started = Date.now();
    const error = await rejection(slowLink(server.url).request({ method: 'POST', path: '/send', body: '{}' }));
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).sent).toBe(true);
    expect((error as TransportError).message).toMatch(/within 800 ms \(the request's deadline\)/);
    expect(server.requests).toHaveLength(1);
    // Generous: the deadline is 800 ms; without it the answer takes ~25 s.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('an answer that arrives whole within the deadline is read as usual', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: '{"ok":true}' }));
    const response = await slowLink(server.url).request({ method: 'GET', path: '/status' });
    expect(response.text).toBe('{"ok":true}');
  });
});

/** The error a promise rejects with (none: undefined). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}
