import { randomBytes } from 'node:crypto';
import { formatMinor, parseProviderAmount } from '../core/money.js';
import { currencyForCountry } from '../core/currency.js';
import { parsePhone } from '../core/phone.js';
import type { OutgoingCallback } from './callback-sender.js';
import type { GatewayTransfer, SimulatedGateway } from './gateway.js';
import { defaultBehaviour, isVisible, type SimBehaviour, type SimShapes } from './variants.js';
import { textOf } from '../providers/wire-read.js';
import { header, json, type SimRequest, type SimResponse } from './wire.js';

export interface LipadSimCredentials {
  readonly consumerKey: string;
  readonly consumerSecret: string;
}

/** Lipad's airtime gateway as lipad.md describes it: token auth, 1–1000 recipients per reference. */
export class LipadSimulator {
  private readonly tokens = new Map<string, number>();

  constructor(
    readonly gateway: SimulatedGateway,
    private readonly credentials: LipadSimCredentials,
    private readonly tokenTtlS = 3600,
    private readonly behaviour: SimBehaviour = defaultBehaviour,
  ) {}

  handle(request: SimRequest): SimResponse | undefined {
    if (request.method === 'POST' && request.path === '/v1/auth') return this.auth(request);
    if (request.method === 'POST' && request.path === '/v1/gw/airtime/send') return this.authorised(request) ?? this.send(request);
    const status = /^\/v1\/gw\/airtime\/([^/]+)\/status$/.exec(request.path);
    if (request.method === 'GET' && status?.[1]) return this.authorised(request) ?? this.status(decodeURIComponent(status[1]));
    return undefined;
  }

  /** Expires every token now (tests of the one re-auth on 401). */
  expireTokens(): void {
    this.tokens.clear();
  }

  private auth(request: SimRequest): SimResponse {
    let body: { consumer_key?: string; consumer_secret?: string };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return json(400, { message: 'Invalid JSON' });
    }
    if (body.consumer_key !== this.credentials.consumerKey || body.consumer_secret !== this.credentials.consumerSecret) {
      return json(401, { message: 'Invalid consumer credentials' });
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.tokenTtlS * 1000);
    return json(200, { access_token: token, expiresIn: this.tokenTtlS });
  }

  private authorised(request: SimRequest): SimResponse | undefined {
    const token = header(request, 'x-access-token') ?? '';
    const expires = this.tokens.get(token);
    // Variant: an expired token answered 403 (lipad.md: "whether an expired token is 401 or 403" is unpublished).
    if (expires === undefined || expires < Date.now()) return json(this.behaviour.shapes.pick(401, 403), { message: 'Invalid or expired token' });
    return undefined;
  }

  private send(request: SimRequest): SimResponse {
    let body: { reference?: unknown; recipients?: { phone_number?: unknown; amount?: unknown }[] };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return json(400, { response_code: 721, response_description: 'Invalid JSON body' });
    }
    const reference = typeof body.reference === 'string' ? body.reference : '';
    const shapes = this.behaviour.shapes;
    const invalid = (why: string) => json(400, answer(shapes, { reference, response_code: 721, response_description: `Validation failed: ${why}` }));
    if (!reference) return invalid('reference is required');
    if (!Array.isArray(body.recipients) || body.recipients.length < 1 || body.recipients.length > 1000)
      return invalid('recipients must hold 1 to 1000 entries');
    const items: { phone: string; currency: string; minor: number }[] = [];
    for (const recipient of body.recipients) {
      const digits = textOf(recipient.phone_number) ?? '';
      if (!/^\d{9,15}$/.test(digits)) return invalid(`phone_number ${digits} must be E.164 digits without +`);
      let currency: string | undefined;
      try {
        currency = currencyForCountry(parsePhone(`+${digits}`).country);
      } catch {
        return invalid(`phone_number ${digits} is not a valid number`);
      }
      if (!currency || typeof recipient.amount !== 'string') return invalid('amount must be a string in local currency');
      let minor: number;
      try {
        minor = parseProviderAmount(recipient.amount, currency);
      } catch {
        return invalid(`amount ${recipient.amount} is not a number`);
      }
      if (minor <= 0) return invalid('amount must be positive');
      items.push({ phone: `+${digits}`, currency, minor });
    }
    // A repeated reference: what Lipad does with it is unpublished (lipad.md), so each plausible behaviour is modelled.
    const earlier = this.gateway.byRequestRef(reference);
    const mode = this.behaviour.lipadDuplicates ?? 'dedupe';
    if (earlier.length > 0 && mode === 'reject') return invalid(`reference ${reference} has already been used`);
    // `accept`: the repeat is a new request that pays again (its keys are the attempt's own).
    const attempt = earlier.length > 0 && mode === 'accept' ? `~${new Set(earlier.map((transfer) => transfer.key.split('~')[1] ?? '0')).size}` : '';
    let loseAnswer = false;
    items.forEach((item, index) => {
      const { transfer } = this.gateway.submit({
        key: `${reference}#${index}${attempt}`,
        phone: item.phone,
        amountMinor: item.minor,
        currency: item.currency,
        requestRef: reference,
      });
      if (transfer.answerLost) loseAnswer = true;
    });
    const accepted = answer(shapes, { reference, response_code: 720, response_description: 'Airtime request has been accepted for processing' });
    return { ...json(shapes.pick(200, 201, 202), accepted), loseAnswer };
  }

  private status(reference: string): SimResponse {
    const shapes = this.behaviour.shapes;
    const transfers = this.gateway.byRequestRef(reference).filter((transfer) => isVisible(this.behaviour, transfer.createdAtMs));
    // Variant: an unknown reference answered `200 []` instead of 404 (unpublished, lipad.md).
    if (transfers.length === 0) return shapes.pick(json(404, { message: `No request with reference ${reference}` }), json(200, []));
    const entries = transfers.map((transfer) => {
      const entry = lipadEntry(transfer, transfer.state);
      // Variant: numbers as strings.
      return shapes.pick<object>(entry, { ...entry, service_status: String(entry.service_status), amount: String(entry.amount) });
    });
    // Variant: the list wrapped in `{data: […]}`.
    return json(200, shapes.pick<unknown>(entries, { data: entries }));
  }

  callbackFor(transfer: GatewayTransfer): OutgoingCallback | undefined {
    if (transfer.state === 'pending' || !transfer.requestRef) return undefined;
    const body = JSON.stringify(lipadEntry(transfer, transfer.state));
    const stale = JSON.stringify(lipadEntry(transfer, 'pending'));
    return {
      path: '/callbacks/lipad',
      body,
      contentType: 'application/json',
      stale: { path: '/callbacks/lipad', body: stale, contentType: 'application/json' },
    };
  }
}

function lipadEntry(transfer: GatewayTransfer, state: GatewayTransfer['state']) {
  const code = state === 'delivered' ? 602 : state === 'failed' ? 603 : 601;
  return {
    phone_number: transfer.phone.replace(/^\+/, ''),
    amount: Number(formatMinor(transfer.amountMinor, transfer.currency)),
    service_status: code,
    external_reference: transfer.requestRef,
    provider_reference: state === 'delivered' ? transfer.providerRef : null,
    correlation_id: transfer.providerRef.slice(-12).toUpperCase(),
    message: state === 'delivered' ? 'Airtime request processed successfully' : state === 'failed' ? (transfer.error ?? 'Failed') : 'Processing',
  };
}

/** A send answer as documented, or — as a variant — with `response_code` as a string and/or wrapped in `{data}`. */
function answer(shapes: SimShapes, body: { reference: string; response_code: number; response_description: string }): unknown {
  const coded = shapes.pick<object>(body, { ...body, response_code: String(body.response_code) });
  return shapes.pick<unknown>(coded, { data: coded });
}
