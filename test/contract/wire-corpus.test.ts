import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedCallback } from '../../src/callbacks/event.js';
import { decodeBody, parseZw } from '../../src/callbacks/parse.js';
import { verifyZwSignature } from '../../src/callbacks/verify.js';
import { isAirtimeError } from '../../src/core/errors.js';
import type { DeliveredDetails } from '../../src/journal/details.js';
import { AfricasTalkingProvider } from '../../src/providers/africastalking.js';
import type { ProviderDiagnostics } from '../../src/providers/diagnostics.js';
import { LipadProvider } from '../../src/providers/lipad.js';
import type { Provider, SendItem, StatusOutcome } from '../../src/providers/provider.js';
import { requestReferenceFor } from '../../src/providers/request-reference.js';
import { ZwProvider } from '../../src/providers/zw.js';
import { signZw, zwProducts } from '../../src/sim/zw-sim.js';
import { startScriptedServer, type ScriptedRequest, type ScriptedServer, type ScriptedStep } from '../helpers/scripted-server.js';
import { asTransfer } from '../helpers/transfers.js';

/**
 * The wire-variant corpus (test/fixtures/wire/<provider>/*.json): each file is one answer a provider sent,
 * documents, or plausibly sends, with where it comes from and the state it must map to. Each is served by
 * a scripted HTTP server on 127.0.0.1 to the real adapter. The rule under test: `failed` only on an
 * explicit rejection (`rejection: true`); anything we cannot read is `unknown`, kept raw, and reported.
 */
interface WireFixture {
  readonly source: string;
  readonly kind: 'documented' | 'recorded' | 'ours' | 'variant';
  readonly endpoint: 'send' | 'status' | 'balance' | 'products' | 'wallet' | 'ledger' | 'webhook' | 'topup' | 'preview' | 'bulk' | 'payout';
  /** zw: the item sent (`zesa`: a ZESA token for a meter; default airtime to a phone). */
  readonly item?: 'zesa';
  /** zw: the tokens the answer must yield, as role:last-four-digits in entry order ('' for none), and the units. */
  readonly tokens?: string;
  readonly units?: string;
  readonly http: number;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly bodyText?: string;
  readonly nextPages?: unknown[];
  readonly signature?: 'prefixed' | 'bare';
  readonly expect: string;
  readonly rejection?: boolean;
  readonly reported?: boolean;
  readonly note?: string;
}

const root = fileURLToPath(new URL('../fixtures/wire/', import.meta.url));
const providers = ['africastalking', 'lipad', 'zw'] as const;

function corpus(provider: (typeof providers)[number]): [string, WireFixture][] {
  return readdirSync(join(root, provider))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(join(root, provider, file), 'utf8')) as WireFixture]);
}

function render(value: unknown, text: string | undefined, values: Record<string, string>): string {
  let out = text ?? JSON.stringify(value);
  for (const [name, replacement] of Object.entries(values)) out = out.split(`{{${name}}}`).join(replacement);
  return out;
}

function answer(fixture: WireFixture, values: Record<string, string>): ScriptedStep {
  return { status: fixture.http, headers: fixture.headers, body: render(fixture.body, fixture.bodyText, values) };
}

class Collected implements ProviderDiagnostics {
  readonly unrecognisedSeen: { what: string; sample: unknown }[] = [];
  readonly notes: string[] = [];
  unrecognised(_provider: string, what: string, sample: unknown): void {
    this.unrecognisedSeen.push({ what, sample });
  }
  note(_provider: string, text: string): void {
    this.notes.push(text);
  }
}

/** What the adapter made of the answer, in the words the fixtures use. */
interface Observed {
  readonly actual: string;
  readonly payload?: unknown;
  readonly delivered?: DeliveredDetails | undefined;
}

/** A delivery's tokens in the fixtures' words: role:last-four, in entry order. */
const tokenWords = (delivered: DeliveredDetails | undefined) => (delivered?.tokens ?? []).map((token) => `${token.role}:${token.token.slice(-4)}`).join(',');

const stateOf = (outcome: StatusOutcome): string => (outcome.status === 'not-found' ? `not-found:${outcome.scope}` : outcome.status);

async function settle(run: () => Promise<Observed>): Promise<Observed> {
  try {
    return await run();
  } catch (error) {
    if (isAirtimeError(error) && error.kind === 'config') return { actual: 'config-error' };
    return { actual: `error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

let server: ScriptedServer | undefined;
let provider: Provider | undefined;
const folders: string[] = [];
afterEach(async () => {
  await provider?.close();
  await server?.close();
  provider = server = undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const freshFolder = () => {
  const folder = mkdtempSync(join(tmpdir(), 'airtime-wire-'));
  folders.push(folder);
  return folder;
};

async function serve(script: (request: ScriptedRequest) => ScriptedStep): Promise<ScriptedServer> {
  server = await startScriptedServer(script);
  return server;
}

/** A CSV cell holding a comma and quotes, as RFC 4180 writes it. */
const QUOTED = '"Hi, ""you"""';

const notRouted: ScriptedStep = { status: 599, body: 'no scripted answer for this route' };

async function runAt(fixture: WireFixture, diagnostics: Collected): Promise<Observed> {
  const item: SendItem = { reference: 'wire-at-1', phone: '+254711000100', amountMinor: 10_000, currency: 'KES' };
  const requestId = 'ATQid_wire00000000000000000000001';
  const values = { requestId, reference: item.reference };
  const routes: Record<string, WireFixture['endpoint']> = {
    'POST /version1/airtime/send': 'send',
    'GET /query/transaction/find': 'status',
    'GET /version1/user': 'balance',
  };
  const { url } = await serve((request) => (routes[`${request.method} ${request.path}`] === fixture.endpoint ? answer(fixture, values) : notRouted));
  const at = new AfricasTalkingProvider({ username: 'sandbox', apiKey: 'wire-key', baseUrl: url, diagnostics });
  provider = at;
  return settle(async () => {
    switch (fixture.endpoint) {
      case 'send': {
        const [outcome] = await at.send([item], item.reference);
        return { actual: outcome?.status ?? 'none', payload: outcome?.payload };
      }
      case 'status': {
        const outcome = await at.status(asTransfer(item, { providerReference: requestId }));
        return { actual: stateOf(outcome), payload: outcome.payload };
      }
      default: {
        const [balance] = await at.balance();
        return { actual: balance?.currency === 'KES' && balance.minor === 178_550 ? 'ok' : `balance ${JSON.stringify(balance)}` };
      }
    }
  });
}

async function runLipad(fixture: WireFixture, diagnostics: Collected): Promise<Observed> {
  const item: SendItem = { reference: 'wire-lp-1', phone: '+254711000100', amountMinor: 1_000, currency: 'KES' };
  const reference = requestReferenceFor([item.reference]);
  const values = { reference };
  const { url } = await serve((request) => {
    if (request.method === 'POST' && request.path === '/v1/auth') return { status: 200, body: JSON.stringify({ access_token: 'wire-token', expiresIn: 3600 }) };
    if (request.method === 'POST' && request.path === '/v1/gw/airtime/send' && fixture.endpoint === 'send') return answer(fixture, values);
    if (request.method === 'GET' && request.path === `/v1/gw/airtime/${reference}/status` && fixture.endpoint === 'status') return answer(fixture, values);
    return notRouted;
  });
  const lipad = new LipadProvider({ consumerKey: 'wire', consumerSecret: 'wire-secret', baseUrl: url, cacheDir: freshFolder(), diagnostics });
  provider = lipad;
  return settle(async () => {
    if (fixture.endpoint === 'send') {
      const [outcome] = await lipad.send([item], reference);
      return { actual: outcome?.status ?? 'none', payload: outcome?.payload };
    }
    const outcome = await lipad.status(asTransfer(item, { requestReference: reference }));
    return { actual: stateOf(outcome), payload: outcome.payload };
  });
}

async function runZw(fixture: WireFixture, diagnostics: Collected): Promise<Observed> {
  const secret = 'wire-webhook-secret';
  const campaignSecret = 'wire-campaign-secret';
  const item: SendItem =
    fixture.item === 'zesa'
      ? { reference: 'wire-zw-1', phone: '37132109846', amountMinor: 2000, currency: 'USD', product: { kind: 'zesa' } }
      : { reference: 'wire-zw-1', phone: '+263772279099', amountMinor: 500, currency: 'USD' };
  const second: SendItem = { ...item, reference: 'wire-zw-2' };
  const bulkReference = requestReferenceFor([item.reference, second.reference]);
  if (fixture.endpoint === 'webhook') {
    const raw = render(fixture.body, fixture.bodyText, { reference: item.reference });
    const signature = signZw(secret, raw, fixture.signature !== 'bare');
    if (!verifyZwSignature(Buffer.from(raw), signature, secret)) return { actual: 'bad-signature' };
    try {
      const event = parseZw(decodeBody(raw, 'application/json'));
      return { actual: event.status, delivered: event.delivered };
    } catch (error) {
      if (error instanceof MalformedCallback) return { actual: 'unreadable' };
      throw error;
    }
  }
  const documentedOrder = {
    id: 'ord_1',
    agent_reference: item.reference,
    product_id: 100,
    target: '0772279099',
    amount: 5,
    currency: 'USD',
    status: 'success',
    provider_ref: 'ZWP1',
    message: null,
    created_at: '2026-05-07T10:00:00Z',
    updated_at: '2026-05-07T10:00:00Z',
  };
  let values: Record<string, string> = { reference: item.reference, reference2: second.reference, bulk: bulkReference };
  const scripted = await serve((request) => {
    const route = `${request.method} ${request.path}`;
    if (route === 'GET /api/v1/products') {
      if (fixture.endpoint !== 'products') return { status: 200, body: JSON.stringify({ products: zwProducts }) };
      const page = Number(request.query.get('page') ?? '1');
      if (page <= 1) return answer(fixture, values);
      const next = fixture.nextPages?.[page - 2];
      return next === undefined ? { status: 404, body: '{}' } : { status: 200, body: render(next, undefined, values) };
    }
    if (route === 'POST /api/v1/orders') return fixture.endpoint === 'send' ? answer(fixture, values) : { status: 201, body: JSON.stringify(documentedOrder) };
    if (route === `GET /api/v1/orders/${item.reference}` && fixture.endpoint === 'status') return answer(fixture, values);
    if (route === 'GET /api/v1/wallet' && fixture.endpoint === 'wallet') return answer(fixture, values);
    if (route === 'GET /api/v1/wallet/ledger' && fixture.endpoint === 'ledger') return answer(fixture, values);
    if (route === 'POST /api/v1/wallet/topup' && fixture.endpoint === 'topup') return answer(fixture, values);
    if (route === 'POST /api/v1/bulk/preview' && fixture.endpoint === 'preview') return answer(fixture, values);
    if (route === 'POST /api/v1/bulk' && fixture.endpoint === 'bulk') return answer(fixture, values);
    if (route === 'POST /api/v1/campaigns/cmp_1/payouts' && fixture.endpoint === 'payout') {
      // The payout must carry the campaign secret's signature over the very bytes sent.
      if (request.headers['x-airtime-signature'] !== signZw(campaignSecret, request.body)) return { status: 599, body: 'unsigned or wrongly signed payout' };
      return answer(fixture, values);
    }
    return notRouted;
  });
  values = { ...values, base: scripted.url };
  const zw = new ZwProvider({ apiKey: 'atk_wire', baseUrl: scripted.url, cacheDir: freshFolder(), diagnostics, campaignSecret });
  provider = zw;
  return settle(async () => {
    switch (fixture.endpoint) {
      case 'send':
      case 'products': {
        const [outcome] = await zw.send([item], null);
        if (fixture.endpoint === 'send') return { actual: outcome?.status ?? 'none', payload: outcome?.payload, delivered: outcome?.delivered };
        const ordered = scripted.requests.find((request) => request.path === '/api/v1/orders');
        const productId = ordered ? (JSON.parse(ordered.body) as { product_id: unknown }).product_id : undefined;
        const wanted = fixture.item === 'zesa' ? '300' : '100';
        return { actual: outcome?.status === 'delivered' && String(productId) === wanted ? 'ok' : `${outcome?.status} with product ${String(productId)}` };
      }
      case 'status': {
        const outcome = await zw.status(asTransfer(item, {}));
        return { actual: stateOf(outcome), payload: outcome.payload, delivered: outcome.status === 'not-found' ? undefined : outcome.delivered };
      }
      case 'topup': {
        try {
          const started = await zw.topUp(5000, 'USD');
          const sent = scripted.requests.find((request) => request.path === '/api/v1/wallet/topup');
          const body = JSON.parse(sent?.body ?? '{}') as { amount?: unknown; currency?: unknown };
          return {
            actual: started.paymentUrl === 'https://pay.example/top_1' && body.amount === 50 && body.currency === 'USD' ? 'ok' : JSON.stringify(started),
          };
        } catch (error) {
          if (isAirtimeError(error) && error.kind === 'config') throw error;
          return { actual: 'error' };
        }
      }
      case 'preview': {
        try {
          const verdict = await zw.previewBulk([
            { row: 1, target: '0772279099', amount: '1.00', productId: 100, reference: 'p-1' },
            { row: 2, target: '0772000002', amount: '1.00', productId: 100, reference: 'p-2', sms: 'Hi, "you"' },
          ]);
          const sent = scripted.requests.find((request) => request.path === '/api/v1/bulk/preview');
          if (sent?.headers['content-type'] !== 'text/csv' || !sent.body.startsWith('product_id,target,amount,agent_reference,custom_sms\n'))
            return { actual: 'not a CSV' };
          if (!sent.body.includes(QUOTED)) return { actual: 'a cell not quoted' };
          return { actual: verdict.judged === undefined ? 'counts-only' : `refused:${[...verdict.refused.keys()].join(',')}` };
        } catch (error) {
          if (isAirtimeError(error) && error.kind === 'config') throw error;
          return { actual: 'error' };
        }
      }
      case 'bulk': {
        const outcomes = await zw.sendBulk([item, second], bulkReference);
        const sent = JSON.parse(scripted.requests.find((request) => request.path === '/api/v1/bulk')?.body ?? '{}') as {
          reference?: string;
          orders?: { agent_reference: string }[];
        };
        if (sent.reference !== bulkReference || sent.orders?.map((order) => order.agent_reference).join() !== 'wire-zw-1,wire-zw-2')
          return { actual: 'bulk not as sent' };
        return { actual: outcomes.map((outcome) => outcome.status).join(','), payload: outcomes[0]?.payload };
      }
      case 'payout': {
        const [outcome] = await zw.send([{ ...item, campaign: 'cmp_1' }], null);
        return { actual: outcome?.status ?? 'none', payload: outcome?.payload };
      }
      case 'wallet': {
        const usd = (await zw.balance()).find((balance) => balance.currency === 'USD');
        return { actual: usd?.minor === 123_450 ? 'ok' : `USD ${usd?.minor}` };
      }
      default: {
        const entries = await zw.ledger(10);
        return { actual: entries.length === 1 && entries[0]?.minor === -500 && entries[0].reference === item.reference ? 'ok' : JSON.stringify(entries) };
      }
    }
  });
}

const runners = { africastalking: runAt, lipad: runLipad, zw: runZw };

describe('the wire-variant corpus', () => {
  it('every file names its source, kind and expected state', () => {
    for (const name of providers) {
      const files = corpus(name);
      expect(files.length).toBeGreaterThan(20);
      for (const [file, fixture] of files) {
        expect(fixture.source.length, file).toBeGreaterThan(10);
        expect(['documented', 'recorded', 'ours', 'variant'], file).toContain(fixture.kind);
        expect(fixture.expect, file).toBeTruthy();
        // Only an explicit rejection may expect `failed`, and it says so.
        expect(fixture.expect.split(',').includes('failed'), file).toBe(fixture.rejection === true);
      }
    }
  });

  for (const name of providers) {
    describe(name, () => {
      for (const [file, fixture] of corpus(name)) {
        it(`${file}: ${fixture.expect}`, async () => {
          const diagnostics = new Collected();
          const observed = await runners[name](fixture, diagnostics);
          expect(observed.actual).toBe(fixture.expect);
          if (observed.actual.split(',').includes('failed')) expect(fixture.rejection).toBe(true);
          if (fixture.tokens !== undefined) expect(tokenWords(observed.delivered)).toBe(fixture.tokens);
          if (fixture.units !== undefined) expect(observed.delivered?.units).toBe(fixture.units);
          // What we could not read is kept raw for the journal.
          if (observed.actual === 'unknown' && (fixture.endpoint === 'send' || fixture.endpoint === 'status')) expect(observed.payload).toBeDefined();
          if (fixture.reported !== undefined)
            expect(diagnostics.unrecognisedSeen.length > 0, JSON.stringify(diagnostics.unrecognisedSeen)).toBe(fixture.reported);
        });
      }
    });
  }
});
