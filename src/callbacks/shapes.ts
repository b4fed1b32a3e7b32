import { randomBytes } from 'node:crypto';
import { formatMinor } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import { transferStates, type TransferState } from '../core/transfer-state.js';
import type { ProviderName } from '../providers/names.js';
import type { ZwOrder, ZwOrderStatus, ZwWebhook } from '../providers/zw-wire.js';
import { hmacSignature, sandboxSignatureHeader } from './verify.js';

/** What a made-up callback speaks of: a journaled transfer, or an invented one. */
export interface CallbackSubject {
  readonly reference: string;
  readonly phone: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly providerReference: string | null;
  readonly requestReference: string | null;
  readonly error?: string | null;
}

/** A callback ready to post, as its provider would (providers/*.md → callbacks). */
export interface ShapedCallback {
  readonly provider: ProviderName;
  readonly body: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The states each provider's callbacks can say, in our words. */
export const triggerStatuses: Record<ProviderName, readonly TransferState[]> = {
  africastalking: ['submitted', 'delivered', 'failed'],
  lipad: ['submitted', 'delivered', 'failed', 'reversed'],
  zw: ['delivered', 'failed'],
  // Our own words, every one of them: a developer can watch the listener refuse `queued`.
  sandbox: transferStates,
};

export interface Signing {
  readonly zwSecret?: string | undefined;
  readonly sandboxKey?: Buffer | undefined;
}

const atWords: Partial<Record<TransferState, string>> = { submitted: 'Sent', delivered: 'Success', failed: 'Failed' };
const lipadCodes: Partial<Record<TransferState, number>> = { submitted: 601, delivered: 602, failed: 603, reversed: 605 };
const zwWords: Partial<Record<TransferState, ZwOrderStatus>> = { delivered: 'success', failed: 'failed' };

/** The callback `provider` would send saying `status` about `subject`, signed where the provider signs. */
export function shapeCallback(provider: ProviderName, status: TransferState, subject: CallbackSubject, signing: Signing): ShapedCallback {
  const amount = formatMinor(subject.amountMinor, subject.currency);
  const failure = subject.error ?? 'Failed';
  switch (provider) {
    case 'africastalking': {
      const body = new URLSearchParams({
        phoneNumber: subject.phone,
        description: status === 'delivered' ? 'Airtime Delivered Successfully' : status === 'failed' ? failure : 'Sent',
        status: word(atWords, status, provider),
        requestId: subject.providerReference ?? `ATQid_${randomBytes(12).toString('hex')}`,
        discount: `${subject.currency} ${fourDecimals(Math.round(subject.amountMinor * 0.006), subject.currency)}`,
        value: `${subject.currency} ${fourDecimals(subject.amountMinor, subject.currency)}`,
      }).toString();
      return { provider, body, contentType: 'application/x-www-form-urlencoded', headers: {} };
    }
    case 'lipad': {
      const code = word(lipadCodes, status, provider);
      // The amount as a JSON number written from the decimal string: no float arithmetic.
      const body = `{"phone_number":${JSON.stringify(subject.phone.replace(/^\+/, ''))},"amount":${amount},"service_status":${code},"external_reference":${JSON.stringify(subject.requestReference ?? `REQ-${randomBytes(6).toString('hex')}`)},"provider_reference":${JSON.stringify(status === 'delivered' || status === 'reversed' ? (subject.providerReference ?? `LP${randomBytes(4).toString('hex')}`) : null)},"correlation_id":${JSON.stringify(randomBytes(6).toString('hex').toUpperCase())},"message":${JSON.stringify(status === 'delivered' ? 'Airtime request processed successfully' : status === 'failed' ? failure : status === 'reversed' ? 'Reversed' : 'Processing')}}`;
      return { provider, body, contentType: 'application/json', headers: {} };
    }
    case 'zw': {
      if (!signing.zwSecret) throw new Error('zw callbacks are signed: no webhook secret');
      const now = new Date().toISOString();
      const order: ZwOrder = {
        id: `ord_${randomBytes(6).toString('hex')}`,
        agent_reference: subject.reference,
        product_id: 0,
        target: nationalOf(subject.phone),
        amount: Number(amount),
        currency: subject.currency,
        status: word(zwWords, status, provider),
        provider_ref: status === 'delivered' ? (subject.providerReference ?? `ZWP${randomBytes(4).toString('hex')}`) : null,
        message: status === 'failed' ? failure : null,
        created_at: now,
        updated_at: now,
      };
      const body = JSON.stringify({ event: 'order.updated', order } satisfies ZwWebhook);
      return { provider, body, contentType: 'application/json', headers: { 'x-airtime-signature': hmacSignature(body, signing.zwSecret) } };
    }
    case 'sandbox': {
      if (!signing.sandboxKey) throw new Error('sandbox callbacks are signed: no key');
      const body = JSON.stringify({
        reference: subject.reference,
        status,
        providerReference: status === 'delivered' ? (subject.providerReference ?? `SBX${randomBytes(10).toString('hex')}`) : null,
        phone: subject.phone,
        amountMinor: subject.amountMinor,
        currency: subject.currency,
        error: status === 'failed' ? failure : null,
        settledAt: new Date().toISOString(),
      });
      return { provider, body, contentType: 'application/json', headers: { [sandboxSignatureHeader]: hmacSignature(body, signing.sandboxKey) } };
    }
  }
}

function word<T>(words: Partial<Record<TransferState, T>>, status: TransferState, provider: ProviderName): T {
  const found = words[status];
  if (found === undefined) throw new Error(`${provider} callbacks cannot say ${status}`);
  return found;
}

/** AT writes amounts with four decimals: "KES 100.0000". */
function fourDecimals(minor: number, currency: string): string {
  const text = formatMinor(minor, currency);
  const [whole = '0', fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(4, '0')}`;
}

/** zw's `target`: the number as dialled at home; E.164 when it cannot be read. */
function nationalOf(phone: string): string {
  try {
    return parsePhone(phone).national;
  } catch {
    return phone;
  }
}
