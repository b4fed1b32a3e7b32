import type { ElectricityToken } from '../core/meter.js';
import type { ProductKind } from '../core/product.js';

/**
 * What a transfer carries beyond phone, amount and currency, kept in the one nullable JSON column
 * `transfers.details` (null for a plain airtime transfer, as every transfer before it had). What is asked
 * for is written when the transfer is journaled — so that a resend is the identical request — and what the
 * provider delivers (tokens, units) is merged in when it says so.
 */
export interface TransferDetails {
  /** The product bought; absent means airtime on the phone's network, picked at send time as before. */
  readonly product?: { readonly kind: ProductKind; readonly id?: string | number | undefined; readonly name?: string | undefined } | undefined;
  /** `meter`: the transfer's `phone` holds an 11-digit ZESA meter number, not a phone. */
  readonly target?: 'meter' | undefined;
  /** Text sent to the recipient with the order (zw `custom_sms`). */
  readonly sms?: string | undefined;
  /** Africa's Talking `maxNumRetry`: hours AT retries a failed delivery; a later Success may follow a Failed. */
  readonly retryHours?: number | undefined;
  /** A zw campaign payout: sent to /campaigns/<id>/payouts, signed. */
  readonly campaign?: string | undefined;
  /** How it went: submitted alone (`order`) or in a server-side bulk (`remote-bulk`, zw `/bulk`). */
  readonly via?: 'remote-bulk' | undefined;
  /** What a ZESA purchase delivered: every token in the order it must be entered, and the units. */
  readonly tokens?: readonly ElectricityToken[] | undefined;
  readonly units?: string | undefined;
  /**
   * Its failure has no proof from the provider: reported only by a callback nothing authenticates (Africa's
   * Talking or Lipad without a path token), or recorded by an operator (`airtime resolve --failed`) that the
   * provider did not confirm. Not proof that nobody was paid, so the repeat guard still counts it.
   */
  readonly unverifiedFailure?: true | undefined;
  /**
   * Put back to `queued` on an operator's word (`airtime resolve --not-sent`) that the provider could not
   * confirm (no lookup by our key, unreachable, its settle delay not over). The earlier request may still
   * have paid: the repeat guard counts it — queued, resent, or failed — so that a new send to the same
   * recipient is held as a repeat; only its own resend (same key, `--resume`) sends it.
   */
  readonly unprovenRequeue?: true | undefined;
  /**
   * It was put back to `queued` by reconcile's "not found" (a requeue), not by proof that its request never
   * left: the earlier attempt may have been taken. The repeat guard counts it as possibly paid while it is
   * queued, and any refusal of its resend is `unknown`, never `failed` (DESIGN.md, invariant 9). Kept for good.
   */
  readonly possiblyTaken?: true | undefined;
}

/** What a provider's answer, a status query or a callback adds: the delivery, never what was asked for. */
export type DeliveredDetails = Pick<TransferDetails, 'tokens' | 'units'>;

export function parseDetails(text: string | null): TransferDetails | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

export function serialiseDetails(details: TransferDetails | null | undefined): string | null {
  if (!details) return null;
  const kept = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
  return Object.keys(kept).length ? JSON.stringify(kept) : null;
}

/** The journaled details with a delivery merged in; undefined when it adds nothing new (tokens once known are kept). */
export function withDelivery(current: TransferDetails | null, delivered: DeliveredDetails | undefined): TransferDetails | undefined {
  if (!delivered) return undefined;
  const tokens = delivered.tokens?.length && !current?.tokens?.length ? delivered.tokens : undefined;
  const units = delivered.units && !current?.units ? delivered.units : undefined;
  if (!tokens && !units) return undefined;
  return { ...(current ?? {}), ...(tokens ? { tokens } : {}), ...(units ? { units } : {}) };
}

/**
 * The same request: what was asked for matches (a key reused for another product or text is another
 * transfer). A product id counts only where both name one: a transfer journaled before ids were kept is
 * not "different" for lacking one.
 */
export function sameAsk(a: TransferDetails | null, b: TransferDetails | null | undefined): boolean {
  const idA = a?.product?.id;
  const idB = b?.product?.id;
  return (
    (a?.product?.kind ?? 'airtime') === (b?.product?.kind ?? 'airtime') &&
    (idA === undefined || idB === undefined || String(idA) === String(idB)) &&
    (a?.sms ?? null) === (b?.sms ?? null) &&
    (a?.campaign ?? null) === (b?.campaign ?? null)
  );
}
