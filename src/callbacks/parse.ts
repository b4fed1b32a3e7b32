import { createHash } from 'node:crypto';
import { parseAtValue, mapAtStatus } from '../providers/africastalking.js';
import { lipadOutcome } from '../providers/lipad.js';
import { zwOutcome } from '../providers/zw.js';
import { orderIn } from '../providers/zw-read.js';
import { textOf as wireText } from '../providers/wire-read.js';
import type { ElectricityToken } from '../core/meter.js';
import { isTransferState } from '../core/transfer-state.js';
import type { DeliveredDetails } from '../journal/details.js';
import type { ProviderName } from '../providers/names.js';
import { MalformedCallback, type CallbackEvent } from './event.js';

/** A body as each provider sends it: JSON, or a form (AT's dashboard may send either). */
export function decodeBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    const value = JSON.parse(raw) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  if (!type.includes('json') && /^[^{[]/.test(raw.trim()) && raw.includes('=')) return Object.fromEntries(new URLSearchParams(raw));
  throw new MalformedCallback('body is neither a JSON object nor a form');
}

/** Each provider's callback parser, by route. */
export const callbackParsers: Record<ProviderName, (body: Record<string, unknown>) => CallbackEvent> = {
  africastalking: parseAtStatus,
  lipad: parseLipad,
  zw: parseZw,
  sandbox: parseSandbox,
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

function required(body: Record<string, unknown>, field: string): string {
  const value = text(body[field]);
  if (value === undefined || value === '') throw new MalformedCallback(`field ${field} is missing`);
  return value;
}

/**
 * A digest of what the body says, whatever its encoding (JSON or form), key order or spacing: part of
 * every dedupe key, so that only the same content counts as the same callback.
 */
export function contentDigest(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex').slice(0, 16);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  // Numbers and strings alike: a form says "10" where JSON says 10.
  return JSON.stringify(value === undefined ? null : typeof value === 'number' ? String(value) : value);
}

/** Africa's Talking status callback: phoneNumber, status, requestId, value, description. */
export function parseAtStatus(body: Record<string, unknown>): CallbackEvent {
  const requestId = required(body, 'requestId');
  const phone = required(body, 'phoneNumber');
  const status = required(body, 'status');
  const valueText = text(body.value);
  const value = valueText === undefined ? undefined : parseAtValue(valueText);
  const unified = mapAtStatus(status);
  return {
    provider: 'africastalking',
    match: { by: 'provider-reference', providerReference: requestId },
    // An unreadable value is named, so the comparison with the journal flags it.
    claims: { phone, ...(value ? { amountMinor: value.minor, currency: value.currency } : valueText !== undefined ? { unreadable: ['value'] } : {}) },
    status: unified,
    providerReference: requestId,
    error: unified === 'failed' ? (text(body.description) ?? 'Failed') : null,
    note: null,
    dedupeKey: `africastalking:${requestId}:${status}:${contentDigest(body)}`,
    payload: body,
  };
}

/** Lipad per-recipient callback, keyed by external_reference + phone_number. */
export function parseLipad(body: Record<string, unknown>): CallbackEvent {
  const reference = required(body, 'external_reference');
  const phone = required(body, 'phone_number');
  const code = Number(required(body, 'service_status'));
  if (!Number.isInteger(code)) throw new MalformedCallback('service_status is not a number');
  const outcome = lipadOutcome(body);
  return {
    provider: 'lipad',
    match: { by: 'request-reference', requestReference: reference },
    claims: { phone: `+${phone.replace(/^\+/, '')}`, amount: text(body.amount), currency: text(body.currency) },
    status: outcome.status,
    providerReference: outcome.providerReference ?? null,
    error: outcome.error ?? null,
    note: outcome.note ?? null,
    dedupeKey: `lipad:${reference}:${phone}:${code}:${contentDigest(body)}`,
    payload: body,
  };
}

/**
 * zw webhook, in any of the shapes a signed body may take: `{event, order}` (ours, zw-wire.ts), `{order}`,
 * `{data}` or the order itself. The signature is checked before this; a body without an agent_reference
 * and a status is MalformedCallback, which the listener keeps raw and flags (it never answers 400 to zw).
 */
export function parseZw(body: Record<string, unknown>): CallbackEvent {
  const order = orderIn(body);
  const reference = wireText(order?.agent_reference);
  const status = wireText(order?.status);
  if (!order || !reference || !status) throw new MalformedCallback('no order with an agent_reference and a status');
  const outcome = zwOutcome(order);
  return {
    provider: 'zw',
    match: { by: 'reference', reference },
    claims: { phone: wireText(order.target), amount: wireText(order.amount), currency: wireText(order.currency) },
    status: outcome.status,
    providerReference: outcome.providerReference ?? null,
    error: outcome.error ?? null,
    note: outcome.note ?? null,
    dedupeKey: `zw:${reference}:${status}:${contentDigest(body)}`,
    payload: body,
    ...(outcome.delivered ? { delivered: outcome.delivered } : {}),
  };
}

/** The embedded sandbox's callback: { reference, status, providerReference, error, phone, amountMinor, currency } in our own words. */
export function parseSandbox(body: Record<string, unknown>): CallbackEvent {
  const reference = required(body, 'reference');
  const status = required(body, 'status');
  if (!isTransferState(status)) throw new MalformedCallback(`status ${status} is not a transfer state`);
  const amountMinor = Number.isSafeInteger(body.amountMinor) ? (body.amountMinor as number) : undefined;
  const unreadable = amountMinor === undefined && body.amountMinor !== undefined && body.amountMinor !== null ? ['amountMinor'] : undefined;
  return {
    provider: 'sandbox',
    match: { by: 'reference', reference },
    claims: { phone: text(body.phone), amountMinor, currency: text(body.currency), unreadable },
    status,
    providerReference: text(body.providerReference) ?? null,
    error: text(body.error) ?? null,
    note: null,
    dedupeKey: `sandbox:${reference}:${status}:${contentDigest(body)}`,
    payload: body,
    ...(status === 'delivered' && Array.isArray(body.tokens) ? { delivered: sandboxDelivery(body) } : {}),
  };
}

/** The sandbox's tokens in our own words ({role, token}), kept only where they are 20 digits and a known role. */
function sandboxDelivery(body: Record<string, unknown>): DeliveredDetails {
  const roles = ['key-change-1', 'key-change-2', 'recharge'];
  const tokens = (body.tokens as unknown[]).flatMap((entry) => {
    const record = entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
    const token = text(record.token);
    const role = text(record.role);
    return token && /^\d{20}$/.test(token) && role && roles.includes(role) ? [{ role: role as ElectricityToken['role'], token }] : [];
  });
  const units = text(body.units);
  return { ...(tokens.length ? { tokens } : {}), ...(units && /^\d+(\.\d+)?$/.test(units) ? { units } : {}) };
}
