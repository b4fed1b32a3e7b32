import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { checkCustomSms } from '../core/custom-sms.js';
import { isMeterNumber } from '../core/meter.js';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import {
  zesaNetwork,
  zwNetworkOf,
  type ZwBulk,
  type ZwBulkPreview,
  type ZwBulkPreviewRow,
  type ZwErrorCode,
  type ZwLedgerEntry,
  type ZwOrder,
  type ZwOrderStatus,
  type ZwProduct,
  type ZwToken,
  type ZwTopUp,
  type ZwWebhook,
} from '../providers/zw-wire.js';
import type { OutgoingCallback } from './callback-sender.js';
import type { GatewayTransfer, SimDetails, SimulatedGateway } from './gateway.js';
import { magicOutcome } from './magic.js';
import { defaultBehaviour, isVisible, type SimBehaviour } from './variants.js';
import { header, json, text, type SimRequest, type SimResponse } from './wire.js';

export interface ZwSimCredentials {
  readonly apiKey: string;
  readonly webhookSecret: string;
  /** Signs campaign payout requests (HMAC-SHA256 of the raw body). */
  readonly campaignSecret?: string;
}

export const zwProducts: (ZwProduct & { id: number; min: number; max: number })[] = [
  { id: 100, name: 'Econet airtime USD', network: 'Econet', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 101, name: 'NetOne airtime USD', network: 'NetOne', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 102, name: 'Telecel airtime USD', network: 'Telecel', kind: 'airtime', currency: 'USD', min: 0.1, max: 50 },
  { id: 110, name: 'Econet airtime ZWG', network: 'Econet', kind: 'airtime', currency: 'ZWG', min: 1, max: 1000 },
  { id: 200, name: 'Econet data 1GB', network: 'Econet', kind: 'data', currency: 'USD', min: 1, max: 1 },
  { id: 201, name: 'Econet data 5GB', network: 'Econet', kind: 'data', currency: 'USD', min: 5, max: 5 },
  { id: 210, name: 'NetOne data 1GB', network: 'NetOne', kind: 'data', currency: 'USD', min: 1, max: 1 },
  { id: 300, name: 'ZESA token USD', network: zesaNetwork, kind: 'zesa', currency: 'USD', min: 1, max: 200 },
  { id: 301, name: 'ZESA token ZWG', network: zesaNetwork, kind: 'zesa', currency: 'ZWG', min: 10, max: 5000 },
];

/** Survey-completion campaigns: each pays a fixed airtime reward per completion, signed with the campaign secret. */
export const zwCampaigns: Record<string, { reward: number; currency: string; open: boolean }> = {
  cmp_survey: { reward: 1, currency: 'USD', open: true },
  cmp_closed: { reward: 1, currency: 'USD', open: false },
};

/** How long an order whose answer was "lost" (magic 0003) shows `unknown` before the provider's reconciler settles it. */
const unknownWindowMs = 1000;

export function signZw(secret: string, body: string, prefix = true): string {
  const hex = createHmac('sha256', secret).update(body).digest('hex');
  return prefix ? `sha256=${hex}` : hex;
}

/** Catalogue page size when the catalogue is answered paginated (a variant). */
const pageSize = 2;

type Refusal = { status: 400 | 401 | 422; code: ZwErrorCode; message: string };
const refusal = (code: ZwErrorCode, message: string, status: Refusal['status'] = 422): Refusal => ({ status, code, message });
const refused = (problem: Refusal): SimResponse => json(problem.status, { error: { code: problem.code, message: problem.message } });

/** An order the simulator would take: checked, nothing charged yet. */
interface CheckedOrder {
  readonly reference: string;
  readonly product: (typeof zwProducts)[number];
  /** The gateway's target: E.164 for a phone, the 11 digits for a meter. */
  readonly target: string;
  readonly minor: number;
  readonly sms: string | undefined;
}

/** The Zimbabwe orders API (zw.md), shapes as in providers/zw-wire.ts. Orders settle synchronously. */
export class ZwSimulator {
  private readonly bulks = new Map<string, ZwBulk>();

  constructor(
    readonly gateway: SimulatedGateway,
    private readonly credentials: ZwSimCredentials,
    private readonly behaviour: SimBehaviour = defaultBehaviour,
  ) {}

  handle(request: SimRequest): SimResponse | undefined {
    // The payment page a top-up links to: opened in a browser, no API key. Visiting it pays the top-up.
    const payment = /^\/pay\/([^/]+)$/.exec(request.path);
    if (payment?.[1]) return this.pay(decodeURIComponent(payment[1]));
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
    if (request.method === 'POST' && path === '/wallet/topup') return this.startTopUp(request);
    if (request.method === 'POST' && path === '/bulk/preview') return this.preview(request);
    if (request.method === 'POST' && path === '/bulk') return this.bulk(request);
    const payout = /^\/campaigns\/([^/]+)\/payouts$/.exec(path);
    if (request.method === 'POST' && payout?.[1]) return this.payout(request, decodeURIComponent(payout[1]));
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

  /**
   * What an order request asks, checked as zw would: product, target (a phone on the product's network, or
   * an 11-digit meter for ZESA), amount in range, custom_sms one GSM-7 SMS. Nothing is charged here.
   */
  private checkOrder(body: Record<string, unknown>): CheckedOrder | Refusal {
    const reference = typeof body.agent_reference === 'string' ? body.agent_reference : '';
    if (!reference) return refusal('invalid', 'agent_reference is required');
    // "." and ".." would make GET /orders/{agent_reference} resolve to another path (/api/v1/).
    if (/^\.+$/.test(reference) || reference.includes('/')) return refusal('invalid', 'agent_reference may not be a path segment such as "." or ".."');
    const product = zwProducts.find((entry) => String(entry.id) === String(body.product_id));
    if (!product) return refusal('invalid_product', `product_id ${String(body.product_id)} does not exist`);
    const targetText = typeof body.target === 'string' ? body.target : '';
    let target: string;
    if (product.kind === 'zesa') {
      if (!isMeterNumber(targetText)) return refusal('invalid_meter', `target ${targetText} is not an 11-digit ZESA meter number`);
      target = targetText;
    } else {
      try {
        target = parsePhone(targetText, 'ZW').e164;
      } catch {
        return refusal('invalid_target', `target ${targetText} is not a Zimbabwean mobile number`);
      }
      if (zwNetworkOf(targetText) !== product.network) return refusal('wrong_network', `target ${targetText} is not on ${product.network}`);
    }
    if (typeof body.amount !== 'number' || !Number.isFinite(body.amount)) return refusal('invalid_amount', 'amount must be a number');
    const minor = parseProviderAmount(String(body.amount), product.currency);
    if (minor < parseProviderAmount(String(product.min), product.currency) || minor > parseProviderAmount(String(product.max), product.currency)) {
      return refusal('amount_out_of_range', `amount must be between ${product.min} and ${product.max}`);
    }
    let sms: string | undefined;
    if (body.custom_sms !== undefined && body.custom_sms !== null && body.custom_sms !== '') {
      if (typeof body.custom_sms !== 'string') return refusal('invalid_custom_sms', 'custom_sms must be text');
      try {
        sms = checkCustomSms(body.custom_sms, 'custom_sms');
      } catch (error) {
        return refusal('invalid_custom_sms', error instanceof Error ? error.message : 'custom_sms is not one SMS');
      }
    }
    return { reference, product, target, minor, sms };
  }

  /** Takes a checked order once per agent_reference: a repeat is the same order, charged once. */
  private place(order: CheckedOrder, extra: Pick<SimDetails, 'bulk' | 'campaign'> = {}): { transfer: GatewayTransfer; duplicate: boolean } {
    return this.gateway.submit({
      key: order.reference,
      phone: order.target,
      amountMinor: order.minor,
      currency: order.product.currency,
      details: {
        product: { kind: order.product.kind, id: order.product.id },
        ...(order.product.kind === 'zesa' ? { meter: true } : {}),
        ...(order.sms ? { sms: order.sms } : {}),
        ...extra,
      },
    });
  }

  private parseBody(request: SimRequest): Record<string, unknown> | undefined {
    try {
      const value = JSON.parse(request.body) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** An agent_reference zw already holds: the same order again (counted as a repeat), answered as it stands. */
  private repeatedOrder(body: Record<string, unknown>): SimResponse | undefined {
    const existing = typeof body.agent_reference === 'string' ? this.gateway.byKey(body.agent_reference) : undefined;
    if (!existing) return undefined;
    this.gateway.submit({ key: existing.key, phone: existing.phone, amountMinor: existing.amountMinor, currency: existing.currency });
    return json(200, this.orderBody(this.view(existing)));
  }

  private createOrder(request: SimRequest): SimResponse {
    const body = this.parseBody(request);
    if (!body) return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    const repeated = this.repeatedOrder(body);
    if (repeated) return repeated;
    const checked = this.checkOrder(body);
    if ('code' in checked) return refused(checked);
    const { transfer } = this.place(checked);
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
      description: describeOrder(transfer),
    }));
    return json(200, this.behaviour.shapes.pick<unknown>({ entries }, { count: entries.length, next: null, previous: null, results: entries }, entries));
  }

  /** POST /wallet/topup: a pending top-up and the page that pays it (a test mode that charges a token amount, zw.md). */
  private startTopUp(request: SimRequest): SimResponse {
    const body = this.parseBody(request);
    if (!body) return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    const currency = typeof body.currency === 'string' ? body.currency.toUpperCase() : '';
    if (currency !== 'USD' && currency !== 'ZWG') return refused(refusal('invalid', 'currency must be USD or ZWG'));
    const amount = typeof body.amount === 'number' ? String(body.amount) : typeof body.amount === 'string' ? body.amount : '';
    if (!/^\d+(\.\d+)?$/.test(amount) || parseProviderAmount(amount, currency) <= 0)
      return refused(refusal('invalid_amount', 'amount must be a positive number'));
    const topUp = this.gateway.startTopUp(currency, parseProviderAmount(amount, currency));
    const answer: ZwTopUp = {
      id: topUp.id,
      status: 'pending',
      amount: Number(formatMinor(topUp.amountMinor, currency)),
      currency,
      payment_url: `http://${header(request, 'host') ?? '127.0.0.1'}/pay/${topUp.id}`,
      created_at: new Date(topUp.createdAtMs).toISOString(),
    };
    // Variants: the link under `redirect_url`, or the top-up wrapped.
    const shapes = this.behaviour.shapes;
    return json(201, shapes.pick<unknown>(answer, { topup: answer }, { data: { ...answer, payment_url: undefined, redirect_url: answer.payment_url } }));
  }

  private pay(id: string): SimResponse {
    const topUp = this.gateway.payTopUp(id);
    if (!topUp) return text(404, `no top-up ${id}`);
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><title>Top-up ${topUp.id}</title><p>Paid: ${formatMinor(topUp.amountMinor, topUp.currency)} ${topUp.currency} added to the wallet.</p>`,
    };
  }

  /** POST /bulk/preview: a CSV (header product_id,target,amount,agent_reference,custom_sms) judged row by row; nothing is ordered. */
  private preview(request: SimRequest): SimResponse {
    let records: Record<string, string>[];
    try {
      records = parseCsv<Record<string, string>>(request.body, { columns: true, skip_empty_lines: true, trim: true });
    } catch {
      return refused(refusal('invalid', 'body is not a CSV with a header row', 400));
    }
    const rows: ZwBulkPreviewRow[] = [];
    const totals = new Map<string, number>();
    const seen = new Set<string>();
    records.forEach((record, index) => {
      const amount = /^\d+(\.\d+)?$/.test(record.amount ?? '') ? Number(record.amount) : record.amount;
      const checked = this.checkOrder({ ...record, amount, agent_reference: record.agent_reference || `preview-${index + 1}` });
      const errors: ZwBulkPreviewRow['errors'] = [];
      if ('code' in checked) errors.push({ field: fieldOf(checked.code), code: checked.code, message: checked.message });
      // The provider knows which numbers and meters exist (magic 0002), which no local check can.
      else if (magicOutcome(checked.target, { meter: checked.product.kind === 'zesa' }).kind === 'reject' && checked.target.endsWith('0002'))
        errors.push({
          field: 'target',
          code: 'invalid_target',
          message: `${record.target} is not a ${checked.product.kind === 'zesa' ? 'registered meter' : 'subscriber'}`,
        });
      else if (record.agent_reference && seen.has(record.agent_reference))
        errors.push({ field: 'agent_reference', code: 'invalid', message: 'agent_reference repeats an earlier row' });
      if (record.agent_reference) seen.add(record.agent_reference);
      if (errors.length === 0 && !('code' in checked)) totals.set(checked.product.currency, (totals.get(checked.product.currency) ?? 0) + checked.minor);
      rows.push({ row: index + 1, agent_reference: record.agent_reference || null, valid: errors.length === 0, errors });
    });
    const valid = rows.filter((row) => row.valid).length;
    const answer: ZwBulkPreview = {
      valid,
      invalid: rows.length - valid,
      totals: Object.fromEntries([...totals].map(([currency, minor]) => [currency, formatMinor(minor, currency)])),
      rows,
    };
    return json(200, this.behaviour.shapes.pick<unknown>(answer, { data: answer }, { preview: answer }));
  }

  /**
   * POST /bulk: every order taken as POST /orders would take it (an agent_reference already known is that
   * same order, charged once); an order refused alone is listed `failed`, charged nothing. A repeated bulk
   * reference answers the same bulk.
   */
  private bulk(request: SimRequest): SimResponse {
    const body = this.parseBody(request);
    if (!body) return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    const reference = typeof body.reference === 'string' ? body.reference : '';
    if (!reference) return refused(refusal('invalid', 'reference is required'));
    if (!Array.isArray(body.orders) || body.orders.length === 0) return refused(refusal('invalid', 'orders must be a non-empty list'));
    const known = this.bulks.get(reference);
    const id = known?.id ?? `blk_${reference.replace(/[^A-Za-z0-9]/g, '').slice(-16)}`;
    const orders: ZwOrder[] = (body.orders as unknown[]).map((raw, index) => {
      const order = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const existing = typeof order.agent_reference === 'string' ? this.gateway.byKey(order.agent_reference) : undefined;
      if (existing) {
        this.gateway.submit({ key: existing.key, phone: existing.phone, amountMinor: existing.amountMinor, currency: existing.currency });
        return this.view(existing);
      }
      const checked = this.checkOrder(order);
      if ('code' in checked) return this.refusedOrder(order, checked, index);
      return this.view(this.place(checked, { bulk: id }).transfer);
    });
    const bulk: ZwBulk = { id, reference, status: 'completed', orders };
    this.bulks.set(reference, bulk);
    return json(known ? 200 : 201, this.behaviour.shapes.pick<unknown>(bulk, { bulk }, { data: bulk }));
  }

  /** An order of a bulk that was refused alone: listed failed, nothing charged, nothing stored. */
  private refusedOrder(order: Record<string, unknown>, problem: Refusal, index: number): ZwOrder {
    const now = new Date().toISOString();
    return {
      id: `ord_refused_${index}`,
      agent_reference: typeof order.agent_reference === 'string' ? order.agent_reference : '',
      product_id: typeof order.product_id === 'number' || typeof order.product_id === 'string' ? order.product_id : 0,
      target: typeof order.target === 'string' ? order.target : '',
      amount: typeof order.amount === 'number' ? order.amount : 0,
      currency: '',
      status: 'failed',
      provider_ref: null,
      message: `${problem.code}: ${problem.message}`,
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * POST /campaigns/{id}/payouts: signed with the campaign secret over the raw body (X-Airtime-Signature, with
   * or without `sha256=`), a reward of the campaign's amount as airtime to the phone's network; idempotent on
   * agent_reference, and answered as an order.
   */
  private payout(request: SimRequest, campaignId: string): SimResponse {
    const secret = this.credentials.campaignSecret;
    const given = (header(request, 'x-airtime-signature') ?? '').replace(/^sha256=/, '');
    const expected = secret ? signZw(secret, request.body, false) : '';
    if (!secret || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return refused(refusal('invalid_signature', 'X-Airtime-Signature does not match the campaign secret', 401));
    }
    const body = this.parseBody(request);
    if (!body) return json(400, { error: { code: 'invalid_json', message: 'Body is not JSON' } });
    const repeated = this.repeatedOrder(body);
    if (repeated) return repeated;
    const campaign = zwCampaigns[campaignId];
    if (!campaign) return refused(refusal('unknown_campaign', `no campaign ${campaignId}`));
    if (!campaign.open) return refused(refusal('campaign_closed', `campaign ${campaignId} is closed`));
    const target = typeof body.target === 'string' ? body.target : '';
    const network = zwNetworkOf(target.replace(/^\+?263/, '0'));
    const product = zwProducts.find((entry) => entry.kind === 'airtime' && entry.network === network && entry.currency === campaign.currency);
    if (!product) return refused(refusal('invalid_target', `target ${target} is not a Zimbabwean mobile number`));
    const reward = formatMinor(parseProviderAmount(String(campaign.reward), campaign.currency), campaign.currency);
    const claimed = typeof body.amount === 'number' || typeof body.amount === 'string' ? Number(body.amount) : Number.NaN;
    if (body.amount !== undefined && claimed !== campaign.reward) {
      return refused(refusal('amount_mismatch', `campaign ${campaignId} pays ${reward} ${campaign.currency} per completion`));
    }
    const checked = this.checkOrder({ product_id: product.id, target, amount: campaign.reward, agent_reference: body.agent_reference });
    if ('code' in checked) return refused(checked);
    const { transfer } = this.place(checked, { campaign: campaignId });
    return json(201, this.orderBody(this.view(transfer)));
  }

  statusOf(transfer: GatewayTransfer): ZwOrderStatus {
    if (transfer.answerLost && Date.now() < transfer.createdAtMs + unknownWindowMs) return 'unknown';
    if (transfer.state === 'delivered') return 'success';
    if (transfer.state === 'failed') return 'refunded';
    return 'unknown';
  }

  view(transfer: GatewayTransfer, status: ZwOrderStatus = this.statusOf(transfer)): ZwOrder {
    const details = transfer.details;
    const meter = details?.meter === true;
    const national = meter ? transfer.phone : parsePhone(transfer.phone).national;
    const tokens: ZwToken[] | undefined =
      status === 'success' && details?.tokens
        ? details.tokens.map((token) => ({
            token: token.token,
            type: token.role === 'recharge' ? 'recharge' : token.role === 'key-change-1' ? 'key_change_1' : 'key_change_2',
          }))
        : undefined;
    return {
      id: `ord_${transfer.providerRef.slice(-16)}`,
      agent_reference: transfer.key,
      product_id:
        details?.product?.id ??
        zwProducts.find((p) => p.kind === 'airtime' && p.network === zwNetworkOf(national) && p.currency === transfer.currency)?.id ??
        100,
      target: national,
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
      ...(tokens ? { tokens, ...(details?.units ? { units: details.units } : {}) } : {}),
      ...(details?.bulk ? { bulk_id: details.bulk } : {}),
      ...(details?.campaign ? { campaign_id: details.campaign } : {}),
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

/** Which request field a refusal is about (a preview names it). */
function fieldOf(code: ZwErrorCode): string {
  switch (code) {
    case 'invalid_product':
      return 'product_id';
    case 'invalid_target':
    case 'wrong_network':
    case 'invalid_meter':
      return 'target';
    case 'invalid_amount':
    case 'amount_out_of_range':
    case 'amount_mismatch':
      return 'amount';
    case 'invalid_custom_sms':
      return 'custom_sms';
    default:
      return 'row';
  }
}

function describeOrder(transfer: GatewayTransfer): string {
  switch (transfer.details?.product?.kind) {
    case 'zesa':
      return `ZESA token meter ${transfer.phone}`;
    case 'data':
      return `Data bundle ${parsePhone(transfer.phone).national}`;
    default:
      return `Airtime ${parsePhone(transfer.phone).national}`;
  }
}
