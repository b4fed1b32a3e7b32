/**
 * The zw orders API's JSON shapes. The provider's page names the fields but publishes no shapes
 * (zw.md → Unpublished details), so the shapes the simulator speaks are defined here, once:
 *
 *   GET  /api/v1/products            → { products: ZwProduct[] }  (kinds airtime | data | zesa; ZESA's network "ZESA")
 *   POST /api/v1/orders   ZwOrderRequest → 201 ZwOrder (a repeated agent_reference → 200, the same order)
 *        a ZESA order's target is the 11-digit meter number; its order carries `tokens` and `units` once paid
 *   GET  /api/v1/orders/{agent_reference} → 200 ZwOrder | 404 ZwError  (orders of a bulk and payouts too)
 *   GET  /api/v1/wallet              → { balances: { currency, balance }[] }  (balance a decimal string)
 *   GET  /api/v1/wallet/ledger?limit=N → { entries: ZwLedgerEntry[] }
 *   POST /api/v1/wallet/topup  ZwTopUpRequest → 201 ZwTopUp (pay at `payment_url`; the wallet is credited once paid)
 *   POST /api/v1/bulk/preview  text/csv (header product_id,target,amount,agent_reference,custom_sms; one row per
 *        data row of our file, in order) → 200 ZwBulkPreview  (nothing is ordered)
 *   POST /api/v1/bulk  ZwBulkRequest → 201 ZwBulk (each order idempotent on its agent_reference, as for /orders;
 *        a repeated bulk reference → 200, the same bulk)
 *   POST /api/v1/campaigns/{id}/payouts  ZwPayoutRequest, header X-Airtime-Signature: sha256=<hex HMAC-SHA256(
 *        campaign secret, raw body)> → 201 ZwOrder (idempotent on agent_reference; the payout is an order)
 *   errors → { error: { code, message } } with 400 / 401 / 404 / 422 / 429 / 5xx
 *   webhook → POST ZwWebhook, header X-Airtime-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 *
 * Being our guess, the adapter reads every answer tolerantly (zw-read.ts): the catalogue as a list,
 * `{products}`, `{data}` or a paginated `{results, next}`; names in any case; an order bare or wrapped;
 * tokens as strings or objects, one or several; a top-up's link under any of the usual names; a preview's
 * rows by `row` or `line`; a bulk's orders bare or wrapped.
 *
 * Amounts are JSON numbers in major units (as the page's order example shows). The adapter writes them
 * from our decimal strings verbatim and reads them back through a decimal string, never doing arithmetic
 * on a float.
 */
export type ZwNetwork = 'Econet' | 'NetOne' | 'Telecel';
export const zwNetworks: readonly ZwNetwork[] = ['Econet', 'NetOne', 'Telecel'];
/** ZESA tokens are sold for a meter, on no mobile network: the catalogue names the utility instead. */
export const zesaNetwork = 'ZESA';

export interface ZwProduct {
  /** As the catalogue gives it (a number in the page's example), and sent back as given. */
  id: number | string;
  name: string;
  network: ZwNetwork | typeof zesaNetwork;
  kind: 'airtime' | 'data' | 'zesa';
  currency: string;
  /** Range in major units; undefined when the catalogue gives none (the provider checks). */
  min: number | string | undefined;
  max: number | string | undefined;
}

export interface ZwOrderRequest {
  product_id: number | string;
  target: string;
  amount: number;
  agent_reference: string;
  custom_sms?: string;
}

export type ZwOrderStatus = 'success' | 'failed' | 'unknown' | 'refunded';

/** A ZESA token as our simulator gives it: 20 digits, and which one it is (three after a key change). */
export interface ZwToken {
  token: string;
  type: 'key_change_1' | 'key_change_2' | 'recharge';
}

export interface ZwOrder {
  id: string;
  agent_reference: string;
  product_id: number | string;
  target: string;
  amount: number;
  currency: string;
  status: ZwOrderStatus;
  provider_ref: string | null;
  message: string | null;
  created_at: string;
  updated_at: string;
  /** ZESA orders once paid: every token in the order it is entered, and the units (kWh, decimal text). */
  tokens?: ZwToken[];
  units?: string;
  /** Orders made by a bulk or a campaign payout say which. */
  bulk_id?: string;
  campaign_id?: string;
}

export interface ZwTopUpRequest {
  amount: number;
  currency: string;
}

export interface ZwTopUp {
  id: string;
  status: 'pending' | 'paid' | 'expired';
  amount: number;
  currency: string;
  /** The payment page the operator opens (the provider's "redirect URL"). */
  payment_url: string;
  created_at: string;
}

export interface ZwBulkPreviewRow {
  /** 1-based, among the CSV's data rows. */
  row: number;
  agent_reference: string | null;
  valid: boolean;
  errors: { field: string; code: string; message: string }[];
}

export interface ZwBulkPreview {
  valid: number;
  invalid: number;
  /** Decimal text per currency, valid rows only. */
  totals: Record<string, string>;
  rows: ZwBulkPreviewRow[];
}

export interface ZwBulkRequest {
  /** Ours: the same reference again is the same bulk. */
  reference: string;
  orders: ZwOrderRequest[];
}

export interface ZwBulk {
  id: string;
  reference: string;
  status: 'completed' | 'processing';
  orders: ZwOrder[];
}

export interface ZwPayoutRequest {
  target: string;
  amount: number;
  currency: string;
  agent_reference: string;
}

export interface ZwLedgerEntry {
  id: string;
  created_at: string;
  type: 'debit' | 'credit' | 'refund';
  currency: string;
  amount: string;
  reference: string | null;
  description: string;
}

export interface ZwWebhook {
  event: 'order.updated';
  order: ZwOrder;
}

export interface ZwError {
  error: { code: ZwErrorCode; message: string };
}

/** The order refusals the simulator answers with 400/422: nothing was ordered. Other codes are not ours to read. */
export const zwRejectionCodes = [
  'invalid_json',
  'invalid',
  'invalid_product',
  'invalid_target',
  'wrong_network',
  'invalid_amount',
  'amount_out_of_range',
  'insufficient_funds',
  'invalid_custom_sms',
  'invalid_meter',
  'unknown_campaign',
  'campaign_closed',
  'amount_mismatch',
] as const;
export type ZwErrorCode = (typeof zwRejectionCodes)[number] | 'unauthorized' | 'invalid_signature' | 'not_found';

/** Zimbabwe's mobile networks by national prefix. */
export function zwNetworkOf(national: string): ZwNetwork | undefined {
  if (/^07[78]/.test(national)) return 'Econet';
  if (/^071/.test(national)) return 'NetOne';
  if (/^073/.test(national)) return 'Telecel';
  return undefined;
}
