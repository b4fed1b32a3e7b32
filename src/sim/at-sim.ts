import { formatMinor, parseProviderAmount } from '../core/money.js';
import type { OutgoingCallback } from './callback-sender.js';
import type { GatewayTransfer, SimulatedGateway } from './gateway.js';
import { defaultBehaviour, isVisible, type SimBehaviour } from './variants.js';
import { textOf } from '../providers/wire-read.js';
import { header, json, text, type SimRequest, type SimResponse } from './wire.js';

export interface AtSimCredentials {
  readonly username: string;
  readonly apiKey: string;
}

const atLimits: Record<string, [number, number]> = { KES: [5_00, 10_000_00] };

/** AT's documented duplicate rule: an identical request within 5 minutes is refused, unless keys differ. */
const duplicateWindowMs = 5 * 60_000;

const format4 = (minor: number, currency: string) => {
  const text2 = formatMinor(minor, currency);
  return `${currency} ${text2.includes('.') ? `${text2}00` : `${text2}.0000`}`;
};

/** Africa's Talking's airtime API as africastalking.md describes it, over the simulated gateway. */
export class AtSimulator {
  private readonly recentRequests = new Map<string, number>();
  /** Idempotency-Keys remembered, with when first seen and which use of the key this is (a key past its window is new). */
  private readonly keys = new Map<string, { firstMs: number; use: number }>();
  private readonly accepted: GatewayTransfer[] = [];

  constructor(
    readonly gateway: SimulatedGateway,
    private readonly credentials: AtSimCredentials,
    private readonly behaviour: SimBehaviour = defaultBehaviour,
  ) {}

  handle(request: SimRequest): SimResponse | undefined {
    const route = `${request.method} ${request.path}`;
    if (route === 'POST /version1/airtime/send')
      return this.authorised(request, request.body ? new URLSearchParams(request.body).get('username') : null) ?? this.send(request);
    if (route === 'GET /query/transaction/find') return this.authorised(request, request.query.get('username')) ?? this.find(request);
    if (route === 'GET /version1/user') return this.authorised(request, request.query.get('username')) ?? this.user();
    if (route === 'GET /query/wallet/balance') return this.authorised(request, request.query.get('username')) ?? this.walletBalance();
    return undefined;
  }

  private authorised(request: SimRequest, username: string | null): SimResponse | undefined {
    if (header(request, 'apikey') !== this.credentials.apiKey || username !== this.credentials.username) {
      return text(401, 'The supplied authentication is invalid');
    }
    return undefined;
  }

  private send(request: SimRequest): SimResponse {
    const form = new URLSearchParams(request.body);
    let recipients: { phoneNumber?: unknown; amount?: unknown }[];
    try {
      recipients = JSON.parse(form.get('recipients') ?? '') as typeof recipients;
      if (!Array.isArray(recipients) || recipients.length === 0) throw new Error('empty');
    } catch {
      return json(400, { errorMessage: 'Invalid recipients', numSent: 0, totalAmount: 'KES 0', totalDiscount: 'KES 0', responses: [] });
    }
    const sentKey = header(request, 'idempotency-key');
    // AT remembers a key only for a few minutes (africastalking.md): after the window the same key is a new request.
    const now = this.behaviour.clock();
    const window = this.behaviour.atKeyWindowMs ?? 5 * 60_000;
    const remembered = sentKey ? this.keys.get(sentKey) : undefined;
    const use = remembered === undefined ? 0 : now - remembered.firstMs < window ? remembered.use : remembered.use + 1;
    if (sentKey && (remembered === undefined || use !== remembered.use)) this.keys.set(sentKey, { firstMs: now, use });
    const idempotencyKey = sentKey && use > 0 ? `${sentKey}~${use}` : sentKey;
    // maxNumRetry: hours AT retries a failed delivery (an integer > 0; the SDKs leave it out otherwise).
    const retryText = form.get('maxNumRetry');
    const retryHours = retryText === null ? undefined : Number(retryText);
    if (retryHours !== undefined && (!Number.isInteger(retryHours) || retryHours <= 0)) {
      return json(400, { errorMessage: 'Invalid maxNumRetry', numSent: 0, totalAmount: 'KES 0', totalDiscount: 'KES 0', responses: [] });
    }
    // Without a key (or with one it no longer remembers), AT rejects an identical request within 5 minutes as a duplicate.
    if (!sentKey || use > 0) {
      const fingerprint = form.get('recipients') ?? '';
      const seen = this.recentRequests.get(fingerprint);
      if (seen !== undefined && now - seen < duplicateWindowMs) {
        return json(201, {
          errorMessage: 'A duplicate request was received within the last 5 minutes',
          numSent: 0,
          totalAmount: 'KES 0',
          totalDiscount: 'KES 0',
          responses: [],
        });
      }
    }
    this.recentRequests.set(form.get('recipients') ?? '', now);
    const shapes = this.behaviour.shapes;
    let loseAnswer = false;
    let numSent = 0;
    // Per currency: amounts in different currencies are never added together.
    const totals = new Map<string, number>();
    const responses = recipients.map((recipient, index) => {
      const phone = textOf(recipient.phoneNumber) ?? '';
      const amount = textOf(recipient.amount) ?? '';
      const parsed = /^([A-Z]{3})\s+(\d+(?:\.\d+)?)$/.exec(amount);
      const failed = (errorMessage: string) => ({
        phoneNumber: phone,
        errorMessage,
        amount,
        status: 'Failed',
        requestId: 'None',
        discount: `${parsed?.[1] ?? 'KES'} 0.0000`,
      });
      if (!/^\+\d{8,15}$/.test(phone)) return failed('Invalid Phone Number');
      if (!parsed?.[1] || !parsed[2]) return failed('Invalid Amount');
      const currency = parsed[1];
      let minor: number;
      try {
        minor = parseProviderAmount(parsed[2], currency);
      } catch {
        return failed('Unsupported Currency');
      }
      const [min, max] = atLimits[currency] ?? [1, Number.MAX_SAFE_INTEGER];
      if (minor < min || minor > max) return failed('Value Outside The Allowed Limits');
      const key = idempotencyKey ? `${idempotencyKey}#${index}` : `auto-${Date.now()}-${index}-${Math.random()}`;
      const { transfer, duplicate } = this.gateway.submit({
        key,
        phone,
        amountMinor: minor,
        currency,
        requestRef: idempotencyKey,
        ...(retryHours ? { details: { retryHours } } : {}),
      });
      if (transfer.answerLost) loseAnswer = true;
      if (transfer.state === 'failed') return failed(transfer.error ?? 'Failed');
      if (!duplicate && this.behaviour.atValidation) this.accepted.push(transfer);
      numSent += 1;
      totals.set(currency, (totals.get(currency) ?? 0) + minor);
      return {
        phoneNumber: phone,
        errorMessage: 'None',
        amount: format4(minor, currency),
        // Variant: "Queued", as AT's other products answer (test/fixtures/wire/africastalking).
        status: shapes.pick('Sent', 'Queued'),
        requestId: transfer.providerRef,
        discount: format4(Math.round(minor * 0.006), currency),
      };
    });
    const body = {
      errorMessage: numSent === 0 ? 'Invalid Requests' : 'None',
      numSent,
      // One currency as AT shows it; several (unpublished) each with its own sum, never one added total.
      totalAmount: totals.size ? [...totals].map(([currency, minor]) => format4(minor, currency)).join(', ') : 'KES 0.0000',
      totalDiscount: totals.size ? [...totals].map(([currency, minor]) => format4(Math.round(minor * 0.006), currency)).join(', ') : 'KES 0.0000',
      responses,
    };
    // Variant: 200 instead of the documented 201.
    return { ...json(shapes.pick(201, 200), body), loseAnswer };
  }

  private find(request: SimRequest): SimResponse {
    const transfer = this.gateway.byProviderRef(request.query.get('transactionId') ?? '');
    if (!transfer || !isVisible(this.behaviour, transfer.createdAtMs)) return json(200, { status: 'Failed', errorMessage: 'Transaction not found' });
    const shapes = this.behaviour.shapes;
    const status = atStatus(transfer, shapes.pick('Sent', 'Queued'));
    const record = {
      requestMetadata: {},
      sourceType: 'Wallet',
      source: 'PaymentWallet',
      provider: 'Airtime',
      destinationType: 'PhoneNumber',
      description: describe(transfer),
      providerChannel: '',
      transactionFee: `${transfer.currency} 0.0000`,
      providerRefId: transfer.providerRef,
      providerMetadata: {},
      status,
      productName: 'Airtime',
      category: 'Airtime',
      transactionDate: new Date(transfer.createdAtMs).toISOString(),
      destination: transfer.phone,
      value: format4(transfer.amountMinor, transfer.currency),
      transactionId: transfer.providerRef,
      creationTime: new Date(transfer.createdAtMs).toISOString(),
      ...(transfer.state === 'failed' ? { errorMessage: transfer.error } : {}),
    };
    // Variant: the flat envelope, the transaction's own fields at the top (the node SDK's mock answers `{status}`).
    return json(200, shapes.pick<object>({ status: 'Success', data: record }, record));
  }

  private user(): SimResponse {
    const kes = this.gateway.balances().find((balance) => balance.currency === 'KES');
    return json(200, { UserData: { balance: `KES ${formatMinor(kes?.minor ?? 0, 'KES')}` } });
  }

  /** The payments wallet's balance (africastalking.md, statement-like sources): `{status, balance}`. */
  private walletBalance(): SimResponse {
    const kes = this.gateway.balances().find((balance) => balance.currency === 'KES');
    return json(200, { status: 'Success', balance: `KES ${formatMinor(kes?.minor ?? 0, 'KES')}` });
  }

  /**
   * The validation callback AT posts before forwarding a transfer to the telco (africastalking.md), as JSON.
   * The caller posts it and passes the reply to `applyValidation`.
   */
  validationFor(transfer: GatewayTransfer): OutgoingCallback {
    return {
      path: '/callbacks/africastalking/validation',
      body: JSON.stringify({
        transactionId: transfer.providerRef,
        phoneNumber: transfer.phone,
        sourceIpAddress: '127.0.0.1',
        currencyCode: transfer.currency,
        amount: formatMinor(transfer.amountMinor, transfer.currency),
      }),
      contentType: 'application/json',
    };
  }

  /** Anything but `{"status":"Validated"}` (or no answer) and AT does not forward the transfer: it fails, unpaid. */
  applyValidation(transfer: GatewayTransfer, reply: string | undefined): void {
    let validated = false;
    try {
      validated = (JSON.parse(reply ?? '') as { status?: unknown }).status === 'Validated';
    } catch {
      validated = false;
    }
    if (!validated) this.gateway.failUnsettled(transfer.key, 'Validation Failed');
  }

  /** Transfers accepted since the last call, for the validation callback. */
  takeAccepted(): GatewayTransfer[] {
    return this.accepted.splice(0);
  }

  /**
   * The status callback AT posts for each recipient's final outcome (form-encoded, as the dashboard sends).
   * A delivery that failed at first and was delivered by a retry (`maxNumRetry`, magic 0005) posts both:
   * `Failed` for the first attempt, then `Success` — the case the listener must accept (docs/decisions.md).
   */
  callbackFor(transfer: GatewayTransfer): OutgoingCallback[] | undefined {
    if (transfer.state === 'pending') return undefined;
    const post = (status: string, description: string): OutgoingCallback => {
      const fields = {
        phoneNumber: transfer.phone,
        description,
        status,
        requestId: transfer.providerRef,
        discount: format4(Math.round(transfer.amountMinor * 0.006), transfer.currency),
        value: format4(transfer.amountMinor, transfer.currency),
      };
      // AT posts form-encoded or JSON (africastalking.md: "accept both"); variants send either.
      return this.behaviour.shapes.pick<OutgoingCallback>(
        { path: '/callbacks/africastalking', body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' },
        { path: '/callbacks/africastalking', body: JSON.stringify(fields), contentType: 'application/json' },
      );
    };
    const final = post(atStatus(transfer), describe(transfer));
    return transfer.details?.retried ? [post('Failed', 'Delivery failed: subscriber unreachable (retrying)'), final] : [final];
  }
}

/** AT's words: final `Success`/`Failed`; a transfer still on its way was `Sent` (or `Queued`). */
function atStatus(transfer: GatewayTransfer, pending = 'Sent'): string {
  return transfer.state === 'delivered' ? 'Success' : transfer.state === 'failed' ? 'Failed' : pending;
}

function describe(transfer: GatewayTransfer): string {
  return transfer.state === 'delivered' ? 'Airtime Delivered Successfully' : transfer.state === 'failed' ? (transfer.error ?? 'Failed') : 'Pending';
}
