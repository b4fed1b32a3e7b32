/**
 * The zw orders API's JSON shapes. The provider's page names the fields but publishes no shapes
 * (zw.md → Unpublished details), so the shapes the simulator speaks are defined here, once:
 *
 *   GET  /api/v1/products            → { products: ZwProduct[] }
 *   POST /api/v1/orders   ZwOrderRequest → 201 ZwOrder (a repeated agent_reference → 200, the same order)
 *   GET  /api/v1/orders/{agent_reference} → 200 ZwOrder | 404 ZwError
 *   GET  /api/v1/wallet              → { balances: { currency, balance }[] }  (balance a decimal string)
 *   GET  /api/v1/wallet/ledger?limit=N → { entries: ZwLedgerEntry[] }
 *   errors → { error: { code, message } } with 400 / 401 / 404 / 422 / 429 / 5xx
 *   webhook → POST ZwWebhook, header X-Airtime-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 *
 * Being our guess, the adapter reads every answer tolerantly (zw-read.ts): the catalogue as a list,
 * `{products}`, `{data}` or a paginated `{results, next}`; names in any case; an order bare or wrapped.
 *
 * Amounts are JSON numbers in major units (as the page's order example shows). The adapter writes them
 * from our decimal strings verbatim and reads them back through a decimal string, never doing arithmetic
 * on a float.
 */
export type ZwNetwork = 'Econet' | 'NetOne' | 'Telecel';
export const zwNetworks: readonly ZwNetwork[] = ['Econet', 'NetOne', 'Telecel'];

export interface ZwProduct {
  /** As the catalogue gives it (a number in the page's example), and sent back as given. */
  id: number | string;
  name: string;
  network: ZwNetwork;
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
] as const;
export type ZwErrorCode = (typeof zwRejectionCodes)[number] | 'unauthorized' | 'not_found';

/** Zimbabwe's mobile networks by national prefix. */
export function zwNetworkOf(national: string): ZwNetwork | undefined {
  if (/^07[78]/.test(national)) return 'Econet';
  if (/^071/.test(national)) return 'NetOne';
  if (/^073/.test(national)) return 'Telecel';
  return undefined;
}
