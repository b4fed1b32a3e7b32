import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SimResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** The request was processed but its answer never reaches the client (magic number 0003). */
  readonly loseAnswer?: boolean;
}

export type SimRoute = (request: SimRequest) => SimResponse | undefined | Promise<SimResponse | undefined>;

export const json = (status: number, value: unknown, headers?: Record<string, string>): SimResponse => ({
  status,
  body: JSON.stringify(value),
  contentType: 'application/json',
  ...(headers ? { headers } : {}),
});

export const text = (status: number, body: string): SimResponse => ({ status, body, contentType: 'text/plain' });

/** Header lookup that accepts any case, as HTTP does. */
export function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
