import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { formatMinor } from '../core/money.js';
import type { Journal } from '../journal/journal.js';
import { SerialisedPayload } from '../journal/transfer.js';
import { textOf } from '../providers/wire-read.js';
import type { ProviderName } from '../providers/names.js';
import { MalformedCallback, type CallbackEvent } from './event.js';
import { decodeBody, parseAtStatus, parseLipad, parseSandbox, parseZw } from './parse.js';
import { recordCallback, type RecordOutcome, type Recorded } from './record.js';
import { validateAtRequest, type ValidationRules } from './validation.js';
import { tokenMatches, verifyZwSignature } from './verify.js';

export interface ListenerOptions {
  readonly journal: Journal;
  readonly host?: string;
  readonly port?: number;
  readonly webhookSecret?: string | undefined;
  /** Secret path segment for the unsigned providers: /callbacks/<provider>/<token>. */
  readonly pathToken?: string | undefined;
  readonly bodyLimitBytes?: number;
  readonly validation?: ValidationRules;
  readonly forwardTo?: string | undefined;
  readonly onCallback?: (line: CallbackLine) => void;
}

/** What happened to one callback: one printed line (or NDJSON object). */
export interface CallbackLine {
  readonly at: string;
  readonly provider: ProviderName;
  readonly kind: 'status' | 'validation';
  readonly httpStatus: number;
  readonly phone: string | null;
  readonly amount: string | null;
  readonly currency: string | null;
  readonly status: string | null;
  readonly reference: string | null;
  readonly outcome: RecordOutcome | 'rejected' | 'validated' | 'refused';
  readonly flags: string[];
  readonly reason: string | null;
  readonly forwardStatus?: number | string;
}

export interface RunningListener {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Resolves when every callback received so far has been recorded (and forwarded). */
  idle(): Promise<void>;
}

const defaultBodyLimit = 64 * 1024;
const routes: Record<string, { provider: ProviderName; kind: 'status' | 'validation' }> = {
  africastalking: { provider: 'africastalking', kind: 'status' },
  'africastalking/validation': { provider: 'africastalking', kind: 'validation' },
  lipad: { provider: 'lipad', kind: 'status' },
  zw: { provider: 'zw', kind: 'status' },
  sandbox: { provider: 'sandbox', kind: 'status' },
};

const parsers: Record<ProviderName, (body: Record<string, unknown>) => CallbackEvent> = {
  africastalking: parseAtStatus,
  lipad: parseLipad,
  zw: parseZw,
  sandbox: parseSandbox,
};

/** The callback listener: routes per provider, body parsing, signature checks, journal updates. */
export async function startListener(options: ListenerOptions): Promise<RunningListener> {
  const limit = options.bodyLimitBytes ?? defaultBodyLimit;
  const pending = new Set<Promise<void>>();
  const commits = new GroupCommit(options.journal);

  const server = createServer((req, res) => {
    const work = handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('error');
    });
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  server.keepAliveTimeout = 30_000;

  const emit = (line: Omit<CallbackLine, 'at'>) => options.onCallback?.({ at: new Date().toISOString(), ...line });
  /** A callback turned away before it could be recorded: one line saying why. */
  const rejected = (
    route: { provider: ProviderName; kind: CallbackLine['kind'] },
    httpStatus: number,
    flag: string,
    reason: string,
    status: string | null = null,
  ) => emit({ ...route, httpStatus, phone: null, amount: null, currency: null, status, reference: null, outcome: 'rejected', flags: [flag], reason });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://listener.local');
    const route = resolveRoute(url.pathname, options.pathToken);
    if (!route || req.method !== 'POST') {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const raw = await readLimited(req, limit);
    if (raw === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('payload too large');
      rejected(route, 413, 'too-large', `body over ${limit} bytes`);
      return;
    }
    if (route.provider === 'zw' && !verifyZwSignature(raw, headerOf(req, 'x-airtime-signature'), options.webhookSecret)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('bad signature');
      rejected({ provider: 'zw', kind: 'status' }, 401, 'bad-signature', options.webhookSecret ? 'signature missing or wrong' : 'no webhook secret configured');
      return;
    }
    // A body zw signed but we cannot read is kept raw, flagged and answered 200: a 4xx is retried for ever.
    const keepUnreadableZw = async (reason: string) => {
      const dedupeKey = `zw:unreadable:${createHash('sha256').update(raw).digest('hex')}`;
      const fresh = await options.journal.recordEvent({
        kind: 'callback:zw',
        flags: ['unreadable'],
        payload: new SerialisedPayload(JSON.stringify({ raw: raw.toString('utf8') })),
        dedupeKey,
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      const flags = fresh ? ['unreadable'] : ['unreadable', 'duplicate'];
      emit({
        provider: 'zw',
        kind: 'status',
        httpStatus: 200,
        phone: null,
        amount: null,
        currency: null,
        status: null,
        reference: null,
        outcome: 'unknown-transfer',
        flags,
        reason,
      });
    };
    let body: Record<string, unknown>;
    try {
      body = decodeBody(raw.toString('utf8'), headerOf(req, 'content-type'));
    } catch {
      if (route.provider === 'zw') return keepUnreadableZw('body is neither JSON nor a form');
      res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed body');
      rejected(route, 400, 'malformed', 'body is neither JSON nor a form');
      return;
    }

    if (route.kind === 'validation') {
      const verdict = await validateAtRequest(options.journal, body, options.validation ?? {});
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: verdict.approved ? 'Validated' : 'Failed' }));
      emit({
        provider: 'africastalking',
        kind: 'validation',
        httpStatus: 200,
        phone: typeof body.phoneNumber === 'string' ? body.phoneNumber : null,
        amount: textOf(body.amount) ?? null,
        currency: typeof body.currencyCode === 'string' ? body.currencyCode : null,
        status: verdict.approved ? 'Validated' : 'Failed',
        reference: typeof body.transactionId === 'string' ? body.transactionId : null,
        outcome: verdict.approved ? 'validated' : 'refused',
        flags: [],
        reason: verdict.reason,
      });
      return;
    }

    let event: CallbackEvent;
    try {
      event = parsers[route.provider](body);
      // A JSON body is journaled as received, not serialised a second time.
      if (raw[0] === 0x7b) event = { ...event, payload: new SerialisedPayload(raw.toString('utf8')) };
    } catch (error) {
      if (!(error instanceof MalformedCallback)) throw error;
      if (route.provider === 'zw') return keepUnreadableZw(error.message);
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`malformed callback: ${error.message}`);
      rejected({ provider: route.provider, kind: 'status' }, 400, 'malformed', error.message);
      return;
    }
    let recorded;
    try {
      recorded = await commits.record(event);
    } catch (error) {
      // AT wants 200 even when local processing fails; the others retry on a 5xx, which is what we want.
      const answered = route.provider === 'africastalking' ? 200 : 503;
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'OK' : 'try again');
      rejected({ provider: route.provider, kind: 'status' }, answered, 'journal-error', error instanceof Error ? error.message : String(error), event.status);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    const transfer = recorded.transfer;
    const flags = recorded.outcome === 'moved' || recorded.outcome === 'same' ? [] : [recorded.outcome];
    const forwardStatus = options.forwardTo ? await forward(options.forwardTo, req, url.pathname, raw) : undefined;
    emit({
      provider: route.provider,
      kind: 'status',
      httpStatus: 200,
      phone: transfer?.phone ?? phoneOf(event),
      amount: transfer ? formatMinor(transfer.amountMinor, transfer.currency) : null,
      currency: transfer?.currency ?? null,
      status: recorded.outcome === 'out-of-order' ? event.status : (transfer?.status ?? event.status),
      reference: transfer?.reference ?? null,
      outcome: recorded.outcome,
      flags,
      reason: null,
      ...(forwardStatus !== undefined ? { forwardStatus } : {}),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    idle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    close: async () => {
      server.closeIdleConnections();
      await Promise.all([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Group commit: callbacks that arrive together are recorded in one transaction (one fsync), and each is
 * answered only after its transaction committed.
 */
class GroupCommit {
  private queue: { event: CallbackEvent; resolve: (recorded: Recorded) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly journal: Journal) {}

  record(event: CallbackEvent): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ event, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    void this.journal
      .atomically(async (inner) => {
        const results: Recorded[] = [];
        for (const { event } of batch) results.push(await recordCallback(inner, event));
        return results;
      })
      .then(
        (results) => batch.forEach((item, index) => item.resolve(results[index] as Recorded)),
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      );
  }
}

function resolveRoute(pathname: string, token: string | undefined): (typeof routes)[string] | undefined {
  const match = /^\/callbacks\/(.+?)\/?$/.exec(pathname);
  if (!match?.[1]) return undefined;
  const parts = match[1].split('/');
  for (const name of [parts.slice(0, 2).join('/'), parts[0] ?? '']) {
    const route = routes[name];
    if (!route) continue;
    const rest = parts.slice(name.split('/').length);
    // zw is signed: it needs no path token. The unsigned ones need it when one is set.
    if (route.provider === 'zw') return rest.length === 0 ? route : undefined;
    if (rest.length > 1) return undefined;
    return tokenMatches(rest[0], token) ? route : undefined;
  }
  return undefined;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function phoneOf(event: CallbackEvent): string | null {
  return 'phone' in event.match ? event.match.phone : null;
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Relays the raw body and headers to the user's own app, as Stripe's `listen --forward-to` does. */
async function forward(target: string, req: IncomingMessage, pathname: string, raw: Buffer): Promise<number | string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  try {
    const url = new URL(target);
    if (url.pathname === '/' || url.pathname === '') url.pathname = pathname;
    const response = await request(url, { method: 'POST', headers, body: raw, headersTimeout: 10_000, bodyTimeout: 10_000 });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    return `error: ${(error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error))}`;
  }
}
