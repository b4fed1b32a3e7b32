// Over 500 lines on purpose: the listener is one request pipeline (route → body budget → verify → parse →
// match and record → answer → print), its stages sharing each request's state and the server's lifecycle. The
// stages that stand alone live beside it in this folder (routes, budget, verify, parse, record, spool).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { formatMinor } from '../core/money.js';
import type { Journal } from '../journal/journal.js';
import { SerialisedPayload } from '../journal/transfer.js';
import { textOf } from '../providers/wire-read.js';
import type { ProviderName } from '../providers/names.js';
import { MinuteBudget, type Tally } from './budget.js';
import { callbackDeadlineMs, deadlineCode } from './post.js';
import { claimedMoney } from './claims.js';
import { MalformedCallback, type CallbackEvent } from './event.js';
import type { CallbackLine } from './line.js';
import { callbackParsers, decodeBody } from './parse.js';
import { recordCallback, type RecordScope, type Recorded } from './record.js';
import { resolveRoute, signedProviders, type Route } from './routes.js';
import { accountIds, type ServedAccount } from './served-accounts.js';
import type { CallbackSpool, SpooledCallback } from './spool.js';
import { validateAtRequest, type ValidationRules } from './validation.js';
import { sandboxSignatureHeader, verifySandboxSignature, verifyZwSignature } from './verify.js';

export type { CallbackLine } from './line.js';

export interface ListenerOptions {
  readonly journal: Journal;
  readonly host?: string;
  readonly port?: number;
  /** The accounts this listener speaks for (served-accounts.ts): callbacks move their transfers only. */
  readonly accounts: readonly ServedAccount[];
  /** The routes served; default every provider's. The sandbox route is served only with `sandboxKey`. */
  readonly providers?: readonly ProviderName[];
  /** The data folder's key that signs the embedded sandbox's callbacks (sandbox-key.ts). */
  readonly sandboxKey?: Buffer | undefined;
  /** Secret path segment for the unsigned routes: /callbacks/<provider>/<token>. */
  readonly pathToken?: string | undefined;
  readonly bodyLimitBytes?: number;
  readonly validation?: ValidationRules;
  readonly forwardTo?: string | undefined;
  /** Where callbacks the journal cannot take wait to be replayed (spool.ts); without one they are answered 503. */
  readonly spool?: CallbackSpool | undefined;
  /** Unknown-transfer callbacks from unsigned routes stored per minute; beyond, counted only. */
  readonly unknownPerMinute?: { readonly count: number; readonly bytes: number };
  readonly timeouts?: { readonly headersMs?: number; readonly requestMs?: number; readonly keepAliveMs?: number };
  readonly onCallback?: (line: CallbackLine) => void;
}

export interface RunningListener {
  readonly url: string;
  readonly port: number;
  /** Replays spooled callbacks into the journal; each one recorded is removed from the spool. */
  replaySpool(): Promise<{ replayed: number; left: number }>;
  /** Stops accepting, drops requests still sending their bodies, finishes recording what arrived whole. */
  close(): Promise<void>;
}

const defaultBodyLimit = 64 * 1024;
const defaultUnknownPerMinute = { count: 600, bytes: 1024 * 1024 };
/** At most this many lines a minute about requests turned away; the rest are summed up. */
const turnedAwayLinesPerMinute = 100;
/** Providers that do not retry a callback we could not take (AT wants 200 whatever happens; the sandbox pump is ours). */
const spooledProviders: ReadonlySet<ProviderName> = new Set(['africastalking', 'sandbox']);

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** What to answer, and the line to print once the callback is recorded (and forwarded). */
interface Handled {
  readonly answer: Answer;
  readonly line?: Omit<CallbackLine, 'at'>;
}

/** The callback listener: routes per provider, signature checks, matching within its accounts, journal updates. */
export async function startListener(options: ListenerOptions): Promise<RunningListener> {
  const { journal } = options;
  const limit = options.bodyLimitBytes ?? defaultBodyLimit;
  const idsByProvider = accountIds(options.accounts);
  const providers = new Set<ProviderName>(options.providers ?? ['africastalking', 'lipad', 'zw', 'sandbox']);
  if (!options.sandboxKey) providers.delete('sandbox');
  const unknownLimits = options.unknownPerMinute ?? defaultUnknownPerMinute;
  const unknownBudget = new MinuteBudget(unknownLimits.count, unknownLimits.bytes);
  const lineBudget = new MinuteBudget(turnedAwayLinesPerMinute, Number.POSITIVE_INFINITY);
  const commits = new GroupCommit(journal);
  const pending = new Set<Promise<void>>();
  const reading = new Set<IncomingMessage>();

  const emit = (line: Omit<CallbackLine, 'at'>) => options.onCallback?.({ at: new Date().toISOString(), ...line });
  const summarise = (what: string, tally: Tally | undefined) => {
    if (tally?.count)
      emit({
        ...blankLine(null),
        httpStatus: 0,
        outcome: 'dropped',
        flags: ['summary'],
        reason: `${tally.count} ${what} (${tally.bytes} bytes) in the last minute`,
      });
  };
  /** A request turned away (or dropped): a line, unless a flood of them is being summed up instead. */
  const turnedAway = (line: Omit<CallbackLine, 'at'>) => {
    const { admitted, ended } = lineBudget.admit(0);
    if (ended) summarise('more requests were turned away without a line of their own', ended);
    if (admitted) emit(line);
  };
  const rejected = (route: Route, httpStatus: number, flag: string, reason: string, status: string | null = null) =>
    turnedAway({ ...blankLine(route.provider), kind: route.kind, httpStatus, status, outcome: 'rejected', flags: [flag], reason });

  /** The accounts a signed callback proved it speaks for, or why it proved nothing. */
  const verify = (route: Route, raw: Buffer, req: IncomingMessage): ReadonlyMap<ProviderName, readonly string[]> | string => {
    if (route.provider === 'zw') {
      const signature = headerOf(req, 'x-airtime-signature');
      const keyed = options.accounts.filter((account) => account.provider === 'zw' && account.webhookSecret);
      if (keyed.length === 0) return 'no zw account has a webhook secret: set ZW_WEBHOOK_SECRET or the profile’s webhook-secret';
      const signers = keyed.filter((account) => verifyZwSignature(raw, signature, account.webhookSecret));
      if (signers.length === 0) return signature ? 'signature does not match any zw webhook secret' : 'X-Airtime-Signature missing';
      // The secret proves the tenant: its webhook moves that account's transfers, not another zw account's.
      return new Map([...idsByProvider, ['zw', accountIds(signers).get('zw') ?? []]]);
    }
    if (route.provider === 'sandbox') {
      if (!options.sandboxKey || !verifySandboxSignature(raw, headerOf(req, sandboxSignatureHeader), options.sandboxKey)) {
        return 'not signed by the embedded sandbox of this data folder';
      }
    }
    return idsByProvider;
  };

  /** One status callback, from the network or the spool: recorded, or spooled, or refused — with the answer to give. */
  async function statusCallback(
    route: Route,
    raw: Buffer,
    contentType: string | undefined,
    accounts: ReadonlyMap<ProviderName, readonly string[]>,
    replayed: boolean,
    /** Nothing authenticated it (an unsigned route without a path token); a spooled one keeps what it was when taken. */
    unauthenticated: boolean,
  ): Promise<Handled> {
    const extra = replayed ? ['replayed'] : [];
    let event: CallbackEvent;
    try {
      event = callbackParsers[route.provider](decodeBody(raw.toString('utf8'), contentType));
      // A JSON body is journaled as received, not serialised a second time.
      if (raw[0] === 0x7b) event = { ...event, payload: new SerialisedPayload(raw.toString('utf8')) };
    } catch (error) {
      if (!(error instanceof MalformedCallback)) throw error;
      // A body zw signed but we cannot read is kept raw, flagged and answered 200: a 4xx is retried for ever.
      if (route.provider === 'zw') return keepUnreadableZw(raw, contentType, error.message, extra);
      rejected(route, 400, 'malformed', error.message);
      return { answer: { status: 400, body: `malformed callback: ${error.message}` } };
    }
    const scope: RecordScope = {
      accounts,
      flags: extra,
      // Unsigned routes: anyone can post, so what we cannot match is stored within a budget only.
      admitUnknown: signedProviders.has(route.provider) || replayed ? undefined : () => admitUnknown(raw.length),
      unauthenticated,
    };
    let recorded: Recorded;
    try {
      recorded = await commits.record(event, scope);
    } catch (error) {
      if (replayed) throw error;
      return { answer: await cannotJournal(route, raw, contentType, error, event, accounts.get(route.provider) ?? [], unauthenticated) };
    }
    const transfer = recorded.transfer;
    const claimed = claimedMoney(event.claims, transfer?.currency ?? '');
    // A mismatch shows what the callback claims, not our own figures: that is the evidence.
    const shown =
      transfer && recorded.outcome !== 'mismatch'
        ? { phone: transfer.phone, amount: formatMinor(transfer.amountMinor, transfer.currency), currency: transfer.currency }
        : { phone: event.claims.phone ?? null, amount: claimed.shown ?? null, currency: claimed.shown === undefined ? null : claimed.currency || null };
    const dropped = recorded.outcome === 'dropped';
    const line: Omit<CallbackLine, 'at'> = {
      provider: route.provider,
      kind: 'status',
      httpStatus: dropped ? 429 : 200,
      ...shown,
      status: recorded.outcome === 'out-of-order' || recorded.outcome === 'mismatch' || !transfer ? event.status : transfer.status,
      reference: transfer?.reference ?? null,
      outcome: recorded.outcome,
      flags: recordedFlags(recorded),
      reason: dropped
        ? `over ${unknownLimits.count} unknown-transfer callbacks or ${unknownLimits.bytes} bytes a minute: counted, not stored`
        : // A failure says why, whatever became of the callback.
          (recorded.reason ?? (event.status === 'failed' || event.status === 'reversed' ? event.error : null)),
    };
    if (dropped) {
      turnedAway(line);
      return { answer: { status: 429, body: 'too many callbacks for unknown transfers', headers: { 'retry-after': '60' } } };
    }
    return { answer: { status: 200, body: 'OK' }, line };
  }

  const admitUnknown = (bytes: number): boolean => {
    const { admitted, ended } = unknownBudget.admit(bytes);
    if (ended) summarise('unknown-transfer callbacks were counted, not stored,', ended);
    return admitted;
  };

  async function keepUnreadableZw(raw: Buffer, contentType: string | undefined, reason: string, extra: string[]): Promise<Handled> {
    const route: Route = { provider: 'zw', kind: 'status' };
    const dedupeKey = `zw:unreadable:${createHash('sha256').update(raw).digest('hex')}`;
    let fresh: boolean;
    try {
      fresh = await journal.recordEvent({
        kind: 'callback:zw',
        flags: ['unreadable', ...extra],
        payload: new SerialisedPayload(JSON.stringify({ raw: raw.toString('utf8') })),
        dedupeKey,
      });
    } catch (error) {
      if (extra.length) throw error;
      return { answer: await cannotJournal(route, raw, contentType, error, undefined, [], false) };
    }
    const line: Omit<CallbackLine, 'at'> = {
      ...blankLine('zw'),
      httpStatus: 200,
      outcome: 'unknown-transfer',
      flags: fresh ? ['unreadable', ...extra] : ['unreadable', 'duplicate', ...extra],
      reason,
    };
    return { answer: { status: 200, body: 'OK' }, line };
  }

  /**
   * The journal could not take a callback. Providers that do not retry (AT) have it kept in the spool
   * before they are answered 200; the others are answered 503, and retry.
   */
  async function cannotJournal(
    route: Route,
    raw: Buffer,
    contentType: string | undefined,
    error: unknown,
    event: CallbackEvent | undefined,
    accounts: readonly string[],
    unauthenticated: boolean,
  ): Promise<Answer> {
    const why = `journal: ${error instanceof Error ? error.message : String(error)}`;
    const base = { ...blankLine(route.provider), status: event?.status ?? null, phone: event?.claims.phone ?? null };
    if (options.spool && spooledProviders.has(route.provider)) {
      const spooled: SpooledCallback = {
        version: 1,
        provider: route.provider,
        receivedAt: new Date().toISOString(),
        contentType: contentType ?? null,
        body: raw.toString('base64'),
        reason: why,
        accounts,
        unauthenticated,
      };
      try {
        await options.spool.append(spooled);
        emit({
          ...base,
          httpStatus: 200,
          outcome: 'spooled',
          flags: ['spooled'],
          reason: `${why}; kept in ${options.spool.dir}, replayed when a listener starts`,
        });
        return { status: 200, body: 'OK' };
      } catch (spoolError) {
        const also = spoolError instanceof Error ? spoolError.message : String(spoolError);
        rejected(route, 503, 'journal-error', `${why}; the spool failed too (${also})`, event?.status ?? null);
        return { status: 503, body: 'try again' };
      }
    }
    rejected(route, 503, 'journal-error', `${why}; answered 503 so that ${route.provider} retries`, event?.status ?? null);
    return { status: 503, body: 'try again' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://listener.local');
    const route = resolveRoute(url.pathname, { pathToken: options.pathToken, providers });
    if ('refused' in route || req.method !== 'POST') {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      turnedAway({
        ...blankLine(null),
        httpStatus: 404,
        outcome: 'rejected',
        flags: ['not-found'],
        reason: 'refused' in route ? route.refused : `${req.method ?? '?'} is not POST`,
        path: url.pathname.slice(0, 200),
      });
      return;
    }
    const raw = await readLimited(req, limit, reading);
    if (raw === undefined) {
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('payload too large');
      rejected(route, 413, 'too-large', `body over ${limit} bytes (--body-limit)`);
      return;
    }
    const accounts = verify(route, raw, req);
    if (typeof accounts === 'string') {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('bad signature');
      rejected(route, 401, 'bad-signature', accounts);
      return;
    }
    if (route.kind === 'validation') {
      await validation(raw, req, res);
      return;
    }
    const unauthenticated = !signedProviders.has(route.provider) && options.pathToken === undefined;
    const { answer, line } = await statusCallback(route, raw, headerOf(req, 'content-type'), accounts, false, unauthenticated);
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body);
    if (!line) return;
    const forwardStatus = options.forwardTo ? await forward(options.forwardTo, req, url.pathname, raw) : undefined;
    emit({ ...line, ...(forwardStatus !== undefined ? { forwardStatus } : {}) });
  }

  async function validation(raw: Buffer, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route: Route = { provider: 'africastalking', kind: 'validation' };
    let body: Record<string, unknown>;
    try {
      body = decodeBody(raw.toString('utf8'), headerOf(req, 'content-type'));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed body');
      rejected(route, 400, 'malformed', 'body is neither JSON nor a form');
      return;
    }
    const verdict = await validateAtRequest(journal, body, options.validation ?? {}, idsByProvider.get('africastalking') ?? []);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: verdict.approved ? 'Validated' : 'Failed' }));
    emit({
      ...blankLine('africastalking'),
      kind: 'validation',
      httpStatus: 200,
      phone: typeof body.phoneNumber === 'string' ? body.phoneNumber : null,
      amount: textOf(body.amount) ?? null,
      currency: typeof body.currencyCode === 'string' ? body.currencyCode : null,
      status: verdict.approved ? 'Validated' : 'Failed',
      reference: typeof body.transactionId === 'string' ? body.transactionId : null,
      outcome: verdict.approved ? 'validated' : 'refused',
      reason: verdict.reason,
    });
  }

  const timeouts = options.timeouts ?? {};
  const server = createServer(
    {
      // Slow clients cannot hold the listener: headers within 10 s, the whole request within 15 s, checked every second.
      headersTimeout: timeouts.headersMs ?? 10_000,
      requestTimeout: timeouts.requestMs ?? 15_000,
      keepAliveTimeout: timeouts.keepAliveMs ?? 5_000,
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      const work = handle(req, res).catch(() => {
        if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end('error');
      });
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async replaySpool() {
      const entries = options.spool ? await options.spool.entries() : [];
      let replayed = 0;
      for (const [index, entry] of entries.entries()) {
        if (!entry.callback) continue;
        const route: Route = { provider: entry.callback.provider, kind: 'status' };
        let handled: Handled;
        try {
          // Matched within the accounts of the listener that took it, as it would have been then.
          const accounts = new Map(idsByProvider).set(route.provider, [...entry.callback.accounts]);
          // An entry spooled before this was recorded counts as unauthenticated where its route signs nothing.
          const unauthenticated = entry.callback.unauthenticated ?? !signedProviders.has(route.provider);
          handled = await statusCallback(
            route,
            Buffer.from(entry.callback.body, 'base64'),
            entry.callback.contentType ?? undefined,
            accounts,
            true,
            unauthenticated,
          );
        } catch (error) {
          const left = entries.length - index;
          emit({
            ...blankLine(route.provider),
            httpStatus: 0,
            outcome: 'spooled',
            flags: ['spooled'],
            reason: `${left} spooled callbacks not replayed yet: journal: ${error instanceof Error ? error.message : String(error)}`,
          });
          return { replayed, left };
        }
        if (handled.line) emit({ ...handled.line, httpStatus: 0 });
        await options.spool?.remove(entry.file);
        replayed += 1;
      }
      return { replayed, left: entries.filter((entry) => !entry.callback).length };
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A body still arriving is dropped (its sender retries); what arrived whole is still recorded.
        for (const req of reading) req.socket.destroy();
        for (let rounds = 0; pending.size && rounds < 1000; rounds += 1) await Promise.all([...pending]);
        server.closeAllConnections();
        await closed;
        summarise('unknown-transfer callbacks were counted, not stored,', unknownBudget.turnedAway);
      })();
      return closing;
    },
  };
}

function blankLine(provider: ProviderName | null): Omit<CallbackLine, 'at' | 'httpStatus' | 'outcome'> {
  return { provider, kind: 'status', phone: null, amount: null, currency: null, status: null, reference: null, flags: [], reason: null };
}

/** A line's flags: what the journal flagged, the outcome among them when it is not plain news. */
function recordedFlags(recorded: Recorded): string[] {
  const flags = [...recorded.flags];
  if (recorded.outcome !== 'moved' && recorded.outcome !== 'same' && !flags.includes(recorded.outcome)) flags.unshift(recorded.outcome);
  return flags;
}

/**
 * Group commit: callbacks that arrive together are recorded in one transaction (one fsync), and each is
 * answered only after its transaction committed.
 */
class GroupCommit {
  private queue: { event: CallbackEvent; scope: RecordScope; resolve: (recorded: Recorded) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly journal: Journal) {}

  record(event: CallbackEvent, scope: RecordScope): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ event, scope, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    void this.journal
      .atomically(async (inner) => {
        const results: Recorded[] = [];
        for (const { event, scope } of batch) results.push(await recordCallback(inner, event, scope));
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

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body, or undefined when it is over the limit; rejects when the client goes away before the end. */
function readLimited(req: IncomingMessage, limit: number, reading: Set<IncomingMessage>): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  reading.add(req);
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      resolve(over ? undefined : Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!ended) reject(new Error('the client went away before the body ended'));
    });
  }).finally(() => reading.delete(req));
}

/** Relays the raw body and headers to the user's own app, as Stripe's `listen --forward-to` does. */
async function forward(target: string, req: IncomingMessage, pathname: string, raw: Buffer): Promise<number | string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // A whole deadline: the provider waits on this answer, and an app that trickles its own must not hold it.
  const ms = callbackDeadlineMs();
  const signal = AbortSignal.timeout(ms);
  try {
    const url = new URL(target);
    if (url.pathname === '/' || url.pathname === '') url.pathname = pathname;
    const response = await request(url, { method: 'POST', headers, body: raw, headersTimeout: 10_000, bodyTimeout: 10_000, signal });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    if (signal.aborted) return `error: ${deadlineCode(ms)}`;
    return `error: ${(error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error))}`;
  }
}
