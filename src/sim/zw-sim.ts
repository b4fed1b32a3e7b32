import { createHmac } from 'node:crypto';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import { zwNetworkOf, type ZwLedgerEntry, type ZwOrder, type ZwOrderStatus, type ZwProduct, type ZwWebhook } from '../providers/zw-wire.js';
import type { OutgoingCallback } from './callback-sender.js';
import type { GatewayTransfer, SimulatedGateway } from './gateway.js';
import { defaultBehaviour, isVisible, type SimBehaviour } from './variants.js';
import { header, json, type SimRequest, type SimResponse } from './wire.js';

export interface ZwSimCredentials {
  readonly apiKey: string;
  readonly webhookSecret: string;
}

export const zwProducts: (ZwProduct & { id: number; min: number; max: number })[] = [
  { id: 100, name: 'Econet airtime USD', network: 'Econet', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 101, name: 'NetOne airtime USD', network: 'NetOne', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 102, name: 'Telecel airtime USD', network: 'Telecel', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 110, name: 'Econet airtime ZWG', network: 'Econet', kind: 'airtime', currency: 'ZWG', min: 1, max: 1000 },
  { id: 200, name: 'Econet data 1GB', network: 'Econet', kind: 'data', currency: 'USD', min: 1, max: 1 },
  { id: 300, name: 'ZESA token', network: 'Econet', kind: 'zesa', currency: 'USD', min: 1, max: 200 },
];

/** How long an order whose answer was "lost" (magic 0003) shows `unknown` before the provider's reconciler settles it. */
const unknownWindowMs = 1000;

export function signZw(secret: string, body: string, prefix = true): string {
  const hex = createHmac('sha256', secret).update(body).digest('hex');
  return prefix ? `sha256=${hex}` : hex;
}

/** Catalogue page size when the catalogue is answered paginated (a variant). */
const pageSize = 2;

/** The Zimbabwe orders API (zw.md), shapes as in providers/zw-wire.ts. Orders settle synchronously. */
export class ZwSimulator {
  private readonly orders = new Map<string, { productId: number; target: string; createdAt: string }>();

  constructor(
    readonly gateway: SimulatedGateway,
    private readonly credentials: ZwSimCredentials,
    private readonly behaviour: SimBehaviour = defaultBehaviour,
  ) {}

  handle(request: SimRequest): SimResponse | undefined {
    if (!request.path.startsWith('/api/v1/')) return undefined;
    if (header(request, 'authorization') !== `Api-Key ${this.credentials.apiKey}`)
      return json(401, { error: { code: 'unauthorized', message: 'Invalid API key' } });
    const path = request.path.slice('/api/v1'.length);
    if (request.method === 'GET' && path === '/products') return this.products(request);
    if (request.method === 'POST' && path === '/orders') return this.createOrder(request);
    const order = /^\/orders\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && order?.[1]) return this.getOrder(decodeURIComponent(order[1]));
    if (request.method === 'GET' && path === '/wallet') return this.wallet();
    if (request.method === 'GET' && path === '/wallet/ledger') return this.ledger(Number(request.query.get('limit') ?? '50'));
    return json(404, { error: { code: 'not_found', message: `No route ${request.method} ${request.path}` } });
  }

  /** Variants: a bare list, `{data}`, names in capitals, or DRF-style pages `{count, next, previous, results}`. */
  private products(request: SimRequest): SimResponse {
    const shapes = this.behaviour.shapes;
    const upper = shapes.pick(false, true);
    const products = upper
      ? zwProducts.map((product) => ({ ...product, network: product.network.toUpperCase(), kind: product.kind.toUpperCase() }))
      : zwProducts;
    const page = Number(request.query.get('page') ?? '0');
    if (page > 0 || (shapes.variants && shapes.pick(false, true))) {
      const current = Math.max(1, page);
      const results = products.slice((current - 1) * pageSize, current * pageSize);
      const more = current * pageSize < products.length;
      const base = `http://${header(request, 'host') ?? '127.0.0.1'}/api/v1/products`;
      return json(200, {
        count: products.length,
        next: more ? `${base}?page=${current + 1}` : null,
        previous: current > 1 ? `${base}?page=${current - 1}` : null,
        results,
      });
    }
    return json(200, shapes.pick<unknown>({ products }, products, { data: products }));
  }

  private wallet(): SimResponse {
    const shapes = this.behaviour.shapes;
    const balances = this.gateway
      .balances()
      .filter((b) => b.currency === 'USD' || b.currency === 'ZWG')
      .map((b) => ({
        currency: b.currency,
        balance: shapes.pick<string | number>(formatMinor(b.minor, b.currency), Number(formatMinor(b.minor, b.currency))),
      }));
    return json(200, shapes.pick<unknown>({ balances }, balances, { data: balances }));
  }

  /** An order answer: bare as documented, or wrapped (variants). */
  private orderBody(order: ZwOrder): unknown {
    return this.behaviour.shapes.pick<unknown>(order, { order }, { data: order });
  }

  private createOrder(request: SimRequest): SimResponse {
    let body: { product_id?: unknown; target?: unknown; amount?: unknown; agent_reference?: unknown };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    }
    const reference = typeof body.agent_reference === 'string' ? body.agent_reference : '';
    if (!reference) return json(422, { error: { code: 'invalid', message: 'agent_reference is required' } });
    const existing = this.gateway.byKey(reference);
    if (existing) {
      this.gateway.submit({ key: reference, phone: existing.phone, amountMinor: existing.amountMinor, currency: existing.currency });
      return json(200, this.orderBody(this.view(existing)));
    }
    const product = zwProducts.find((entry) => entry.id === body.product_id);
    if (!product) return json(422, { error: { code: 'invalid_product', message: `product_id ${String(body.product_id)} does not exist` } });
    const target = typeof body.target === 'string' ? body.target : '';
    let phone: string;
    try {
      phone = parsePhone(target, 'ZW').e164;
    } catch {
      return json(422, { error: { code: 'invalid_target', message: `target ${target} is not a Zimbabwean mobile number` } });
    }
    if (zwNetworkOf(target) !== product.network)
      return json(422, { error: { code: 'wrong_network', message: `target ${target} is not on ${product.network}` } });
    if (typeof body.amount !== 'number') return json(422, { error: { code: 'invalid_amount', message: 'amount must be a number' } });
    const minor = parseProviderAmount(String(body.amount), product.currency);
    if (minor < parseProviderAmount(String(product.min), product.currency) || minor > parseProviderAmount(String(product.max), product.currency)) {
      return json(422, { error: { code: 'amount_out_of_range', message: `amount must be between ${product.min} and ${product.max}` } });
    }
    const { transfer } = this.gateway.submit({ key: reference, phone, amountMinor: minor, currency: product.currency });
    this.orders.set(reference, { productId: product.id, target, createdAt: new Date().toISOString() });
    // Variants: 200 or 202 instead of 201 (zw.md: the code of a created order is unpublished).
    return json(this.behaviour.shapes.pick(201, 200, 202), this.orderBody(this.view(transfer)));
  }

  private getOrder(reference: string): SimResponse {
    const transfer = this.gateway.byKey(reference);
    if (!transfer || !isVisible(this.behaviour, transfer.createdAtMs)) {
      return json(404, { error: { code: 'not_found', message: `No order with agent_reference ${reference}` } });
    }
    return json(200, this.orderBody(this.view(transfer)));
  }

  private ledger(limit: number): SimResponse {
    const entries: ZwLedgerEntry[] = this.gateway.ledger(Number.isFinite(limit) && limit > 0 ? limit : 50).map((transfer) => ({
      id: `led_${transfer.providerRef}`,
      created_at: new Date(transfer.settleAtMs).toISOString(),
      type: 'debit',
      currency: transfer.currency,
      amount: `-${formatMinor(transfer.amountMinor, transfer.currency)}`,
      reference: transfer.key,
      description: `Airtime ${parsePhone(transfer.phone).national}`,
    }));
    return json(200, this.behaviour.shapes.pick<unknown>({ entries }, { count: entries.length, next: null, previous: null, results: entries }, entries));
  }

  statusOf(transfer: GatewayTransfer): ZwOrderStatus {
    if (transfer.answerLost && Date.now() < transfer.createdAtMs + unknownWindowMs) return 'unknown';
    if (transfer.state === 'delivered') return 'success';
    if (transfer.state === 'failed') return 'refunded';
    return 'unknown';
  }

  view(transfer: GatewayTransfer, status: ZwOrderStatus = this.statusOf(transfer)): ZwOrder {
    const meta = this.orders.get(transfer.key);
    const national = parsePhone(transfer.phone).national;
    return {
      id: `ord_${transfer.providerRef.slice(-16)}`,
      agent_reference: transfer.key,
      product_id: meta?.productId ?? zwProducts.find((p) => p.network === zwNetworkOf(national) && p.currency === transfer.currency)?.id ?? 100,
      target: meta?.target ?? national,
      amount: Number(formatMinor(transfer.amountMinor, transfer.currency)),
      currency: transfer.currency,
      status,
      provider_ref: status === 'success' ? transfer.providerRef : null,
      message:
        status === 'refunded' || status === 'failed'
          ? (transfer.error ?? 'Rejected by the network')
          : status === 'unknown'
            ? 'Awaiting network confirmation'
            : null,
      created_at: new Date(transfer.createdAtMs).toISOString(),
      updated_at: new Date(Math.max(transfer.settleAtMs, transfer.createdAtMs)).toISOString(),
    };
  }

  /** The signed webhook fired when an order finalises. */
  callbackFor(transfer: GatewayTransfer): OutgoingCallback | undefined {
    if (transfer.state === 'pending') return undefined;
    const finalStatus: ZwOrderStatus = transfer.state === 'delivered' ? 'success' : 'refunded';
    const shapes = this.behaviour.shapes;
    const webhook = (status: ZwOrderStatus): OutgoingCallback => {
      const order = this.view(transfer, status);
      // Variants: the order under `order` or `data`, or flat; the signature without `sha256=`.
      const body = JSON.stringify(shapes.pick<unknown>({ event: 'order.updated', order } satisfies ZwWebhook, { order }, { data: order }, order));
      const signature = signZw(this.credentials.webhookSecret, body, shapes.pick(true, false));
      return { path: '/callbacks/zw', body, contentType: 'application/json', headers: { 'x-airtime-signature': signature } };
    };
    return { ...webhook(finalStatus), stale: webhook('unknown') };
  }
}
