import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a response, or a connection reset after the request was read. */
export type ScriptedStep = { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> } | { readonly reset: true };

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
