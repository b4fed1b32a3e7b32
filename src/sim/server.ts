import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { AtSimulator, type AtSimCredentials } from './at-sim.js';
import { CallbackSender } from './callback-sender.js';
import { noFaults, seededRandom, type FaultOptions } from './faults.js';
import { SimulatedGateway } from './gateway.js';
import { LipadSimulator, type LipadSimCredentials } from './lipad-sim.js';
import { documentedShapes, variantShapes, type SimBehaviour } from './variants.js';
import type { SimRequest, SimResponse } from './wire.js';
import { ZwSimulator, type ZwSimCredentials } from './zw-sim.js';

export interface SimCredentials {
  readonly at: AtSimCredentials;
  readonly lipad: LipadSimCredentials;
  readonly zw: ZwSimCredentials;
}

export const defaultSimCredentials: SimCredentials = {
  at: { username: 'sandbox', apiKey: 'at-sim-key' },
  lipad: { consumerKey: 'lipad-sim-key', consumerSecret: 'lipad-sim-secret' },
  zw: { apiKey: 'atk_sim', webhookSecret: 'zw-sim-secret', campaignSecret: 'zw-sim-campaign-secret' },
};

/** The credentials the simulators accept unless the environment names others. */
export function simCredentials(env: NodeJS.ProcessEnv = process.env): SimCredentials {
  const fallback = defaultSimCredentials;
  return {
    at: { username: env.AT_USERNAME || fallback.at.username, apiKey: env.AT_API_KEY || fallback.at.apiKey },
    lipad: { consumerKey: env.LIPAD_CONSUMER_KEY || fallback.lipad.consumerKey, consumerSecret: env.LIPAD_CONSUMER_SECRET || fallback.lipad.consumerSecret },
    zw: {
      apiKey: env.ZW_API_KEY || fallback.zw.apiKey,
      webhookSecret: env.ZW_WEBHOOK_SECRET || fallback.zw.webhookSecret,
      campaignSecret: env.ZW_CAMPAIGN_SECRET || (fallback.zw.campaignSecret ?? ''),
    },
  };
}

export interface SimServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly credentials?: SimCredentials;
  readonly faults?: Partial<FaultOptions>;
  /** Base URL of a callback listener (`airtime serve-callbacks`): callbacks go to <url>/callbacks/<provider>. */
  readonly callbackUrl?: string;
  readonly settleMs?: number;
  readonly lipadTokenTtlS?: number;
  /** Where the simulators keep state; memory by default. */
  readonly stateDir?: string;
  /** The simulators' clock (settlement, slow acceptance); tests pass one they can move. */
  readonly clock?: () => number;
}

export interface RunningSimServer {
  readonly url: string;
  readonly port: number;
  readonly at: AtSimulator;
  readonly lipad: LipadSimulator;
  readonly zw: ZwSimulator;
  readonly callbacks: CallbackSender;
  /** Requests answered so far, by "METHOD path". */
  readonly requestCounts: Map<string, number>;
  /** The last requests as received (for contract tests), newest last. */
  readonly recentRequests: SimRequest[];
  /** Changes the request faults from now on (a test calms a provider down after a stormy run). */
  setFaults(changes: Partial<Pick<FaultOptions, 'latencyMs' | 'timeoutRate' | 'errorRate' | 'rateLimitRate' | 'resetRate' | 'malformedRate'>>): void;
  close(): Promise<void>;
}

const maxBody = 2 * 1024 * 1024;

/** Serves the three wire simulators on one port (AT: /version1 and /query, Lipad: /v1, zw: /api/v1 and its payment pages /pay). */
export async function startSimServer(options: SimServerOptions = {}): Promise<RunningSimServer> {
  let faults: FaultOptions = { ...noFaults, ...options.faults };
  const random = seededRandom(faults.seed);
  const credentials = options.credentials ?? simCredentials();
  const file = (name: string) => (options.stateDir ? `${options.stateDir}/sim-${name}.db` : ':memory:');
  const settleMs = options.settleMs ?? 500;
  const clock = options.clock ?? Date.now;
  const behaviour: SimBehaviour = {
    shapes: faults.variants ? variantShapes(faults.seed) : documentedShapes,
    visibleAfterMs: faults.visibleAfterMs,
    clock,
    lipadDuplicates: faults.lipadDuplicates,
    atKeyWindowMs: faults.atKeyWindowMs,
    atValidation: faults.atValidation,
  };
  const at = new AtSimulator(new SimulatedGateway(file('at'), { settleMs, refPrefix: 'ATQid_', clock }), credentials.at, behaviour);
  const lipad = new LipadSimulator(
    new SimulatedGateway(file('lipad'), { settleMs, refPrefix: '', clock }),
    credentials.lipad,
    options.lipadTokenTtlS,
    behaviour,
  );
  const zw = new ZwSimulator(new SimulatedGateway(file('zw'), { settleMs: 0, refPrefix: 'ZWP', clock }), credentials.zw, behaviour);
  const callbacks = new CallbackSender(options.callbackUrl, faults, random);
  const requestCounts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const recentRequests: SimRequest[] = [];
  const timings = new Map<string, { count: number; firstMs: number; lastMs: number }>();

  const route = (request: SimRequest): SimResponse | undefined => at.handle(request) ?? lipad.handle(request) ?? zw.handle(request);

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const request: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    const name = `${request.method} ${request.path}`;
    requestCounts.set(name, (requestCounts.get(name) ?? 0) + 1);
    recentRequests.push(request);
    if (recentRequests.length > 200) recentRequests.shift();
    if (request.path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    // Request timing as the server saw it, for benchmarks (first and last request per route).
    if (request.path === '/__sim/stats') {
      if (request.method === 'POST') timings.clear();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(timings)));
      return;
    }
    const timing = timings.get(name) ?? { count: 0, firstMs: Date.now(), lastMs: 0 };
    timing.count += 1;
    timing.lastMs = Date.now();
    timings.set(name, timing);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (random() < faults.rateLimitRate) {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '0' }).end('Too Many Requests');
      return;
    }
    const response = route(request);
    if (!response) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no simulator route for ${name}`);
      return;
    }
    const roll = random();
    let threshold = faults.timeoutRate;
    if (roll < threshold) {
      hanging.add(res);
      await delay(faults.hangMs);
      hanging.delete(res);
      res.destroy();
      return;
    }
    threshold += faults.resetRate;
    if (response.loseAnswer || roll < threshold) {
      if (res.socket) res.socket.resetAndDestroy();
      else res.destroy();
      return;
    }
    threshold += faults.errorRate;
    if (roll < threshold) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    threshold += faults.malformedRate;
    if (roll < threshold) {
      res
        .writeHead(response.status, { 'content-type': response.contentType ?? 'application/json' })
        .end(response.body.slice(0, Math.floor(response.body.length / 2)) || '<html>');
      return;
    }
    res.writeHead(response.status, { 'content-type': response.contentType ?? 'application/json', ...response.headers }).end(response.body);
  }

  const timer = setInterval(() => {
    const accepted = at.takeAccepted();
    if (!callbacks.enabled) return;
    // AT's validation callback: asked before the transfer goes on; its reply decides.
    for (const transfer of accepted) void callbacks.ask(at.validationFor(transfer)).then((reply) => at.applyValidation(transfer, reply));
    for (const simulator of [at, lipad, zw]) {
      const outgoing = simulator.gateway.takeSettled().flatMap((transfer) => simulator.callbackFor(transfer) ?? []);
      callbacks.send(outgoing);
    }
  }, 50);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    at,
    lipad,
    zw,
    callbacks,
    requestCounts,
    recentRequests,
    setFaults(changes) {
      faults = { ...faults, ...changes };
    },
    async close() {
      clearInterval(timer);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await callbacks.drain();
      at.gateway.close();
      lipad.gateway.close();
      zw.gateway.close();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
