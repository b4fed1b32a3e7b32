import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One scripted answer: a response, or a connection reset after the request was read. `trickleMs` sends the
 * answer one byte at a time, that many ms apart (the body only, or the whole answer from the status line
 * with `trickleHeaders`): a provider too slow to trip any idle timeout.
 */
export type ScriptedStep =
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Record<string, string>;
      readonly trickleMs?: number;
      readonly trickleHeaders?: boolean;
    }
  | { readonly reset: true };

export interface ScriptedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedServer {
  readonly url: string;
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 (port 0) that answers each request as the script says: the test decides
 * what "the provider" sends back, byte for byte, and sees what the adapter sent.
 */
export async function startScriptedServer(script: (request: ScriptedRequest, index: number) => ScriptedStep): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://scripted.local');
      const request: ScriptedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const step = script(request, requests.length - 1);
      if ('reset' in step) {
        req.socket.resetAndDestroy();
        return;
      }
      if (step.trickleMs !== undefined) {
        trickle(res, step.status, { 'content-type': 'application/json', ...step.headers }, step.body ?? '', step.trickleMs, step.trickleHeaders ?? false);
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(step.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes an answer one byte every `everyMs` until it is whole or the client goes away (bounded by its length). */
function trickle(res: ServerResponse, status: number, headers: Record<string, string>, body: string, everyMs: number, fromStatusLine: boolean): void {
  const socket = res.socket;
  if (!socket) return;
  let text = body;
  if (fromStatusLine) {
    // Raw bytes on the socket: node would otherwise send the headers in one piece.
    const lines = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)) }).map(([name, value]) => `${name}: ${value}`);
    text = `HTTP/1.1 ${status} OK\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
  } else {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.flushHeaders();
  }
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) {
      clearInterval(timer);
      if (!fromStatusLine && !socket.destroyed) res.end();
      return;
    }
    const byte = text.slice(at, (at += 1));
    if (fromStatusLine) socket.write(byte);
    else res.write(byte);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** Headers of one connection, not of the request: fetch sets its own. */
const hopHeaders = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/**
 * A proxy in front of a real simulator that passes every request through and trickles back, one byte every
 * `everyMs`, the answers to the requests `slow` picks: the provider takes the request, its answer crawls.
 */
export async function startTrickleProxy(target: string, slow: (method: string, path: string) => boolean, everyMs: number): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', target);
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: body.toString('utf8') });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && !hopHeaders.has(name)) headers[name] = value;
      void fetch(url, { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) }).then(async (answer) => {
        const text = await answer.text();
        const type = answer.headers.get('content-type') ?? 'application/json';
        if (slow(req.method ?? 'GET', url.pathname)) trickle(res, answer.status, { 'content-type': type }, text, everyMs, false);
        else res.writeHead(answer.status, { 'content-type': type }).end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
