/**
 * The zw orders API's JSON shapes. The provider's page names the fields but publishes no shapes
 * (zw.md → Unpublished details), so they are defined here, once, for both the adapter and the simulator.
 *
 *   GET  /api/v1/products            → { products: ZwProduct[] }
 *   POST /api/v1/orders   ZwOrderRequest → 201 ZwOrder (a repeated agent_reference → 200, the same order)
 *   GET  /api/v1/orders/{agent_reference} → 200 ZwOrder | 404 ZwError
 *   GET  /api/v1/wallet              → { balances: { currency, balance }[] }  (balance a decimal string)
 *   GET  /api/v1/wallet/ledger?limit=N → { entries: ZwLedgerEntry[] }
 *   errors → { error: { code, message } } with 400 / 401 / 404 / 422 / 429 / 5xx
 *   webhook → POST ZwWebhook, header X-Airtime-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 *
 * Amounts are JSON numbers in major units (as the page's order example shows). The adapter writes them
 * from our decimal strings verbatim and reads them back through a decimal string, never doing arithmetic
 * on a float.
 */
export type ZwNetwork = 'Econet' | 'NetOne' | 'Telecel';

export interface ZwProduct {
  id: number;
  name: string;
  network: ZwNetwork;
  kind: 'airtime' | 'data' | 'zesa';
  currency: 'USD' | 'ZWG';
  min: number;
  max: number;
}

export interface ZwOrderRequest {
  product_id: number;
  target: string;
  amount: number;
  agent_reference: string;
  custom_sms?: string;
}

export type ZwOrderStatus = 'success' | 'failed' | 'unknown' | 'refunded';

export interface ZwOrder {
  id: string;
  agent_reference: string;
  product_id: number;
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
  error: { code: string; message: string };
}

/** Zimbabwe's mobile networks by national prefix. */
export function zwNetworkOf(national: string): ZwNetwork | undefined {
  if (/^07[78]/.test(national)) return 'Econet';
  if (/^071/.test(national)) return 'NetOne';
  if (/^073/.test(national)) return 'Telecel';
  return undefined;
}
