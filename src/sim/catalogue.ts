import { createHash } from 'node:crypto';
import { currencyInfo, knownCurrencies } from '../core/currency.js';
import type { ElectricityToken } from '../core/meter.js';
import { formatMinor } from '../core/money.js';
import type { Product } from '../core/product.js';
import { needsKeyChange } from './magic.js';

/**
 * What the embedded sandbox sells: airtime in every currency it knows (on any network, within the
 * currency's limits), a few data bundles at fixed prices, and ZESA tokens. Ids are numbers, as zw's are.
 */
export const sandboxProducts: readonly Product[] = [
  ...knownCurrencies().map((code, index): Product => {
    const info = currencyInfo(code);
    return {
      id: index + 1,
      name: `Airtime ${code}`,
      network: 'any',
      kind: 'airtime',
      currency: code,
      min: info ? formatMinor(info.minMinor, info) : undefined,
      max: info?.maxMinor ? formatMinor(info.maxMinor, info) : undefined,
    };
  }),
  { id: 201, name: 'Data 1GB (30 days)', network: 'any', kind: 'data', currency: 'KES', min: '100', max: '100' },
  { id: 202, name: 'Data 5GB (30 days)', network: 'any', kind: 'data', currency: 'KES', min: '500', max: '500' },
  { id: 203, name: 'Data 1GB (30 days)', network: 'any', kind: 'data', currency: 'USD', min: '1', max: '1' },
  { id: 204, name: 'Data 1GB (30 days)', network: 'any', kind: 'data', currency: 'UGX', min: '3000', max: '3000' },
  { id: 301, name: 'ZESA token USD', network: 'ZESA', kind: 'zesa', currency: 'USD', min: '1', max: '200' },
  { id: 302, name: 'ZESA token ZWG', network: 'ZESA', kind: 'zesa', currency: 'ZWG', min: '10', max: '5000' },
];

/** kWh per major unit, in tenths (a made-up tariff: the sandbox's units only need to be plausible). */
const tenthsPerMajor: Record<string, number> = { USD: 83, ZWG: 3 };

/**
 * The tokens and units a ZESA purchase of `amountMinor` for `meter` delivers: one recharge token, or for a
 * meter that still needs its key change two key-change tokens before it. Derived from the order's key, so
 * asking again shows the same tokens.
 */
export function zesaDelivery(key: string, meter: string, amountMinor: number, currency: string): { tokens: ElectricityToken[]; units: string } {
  const token = (salt: string) => {
    const digest = createHash('sha256').update(`${key}:${salt}`).digest();
    return Array.from(digest.subarray(0, 20), (byte) => String(byte % 10)).join('');
  };
  const tokens: ElectricityToken[] = needsKeyChange(meter)
    ? [
        { role: 'key-change-1', token: token('kct1') },
        { role: 'key-change-2', token: token('kct2') },
        { role: 'recharge', token: token('recharge') },
      ]
    : [{ role: 'recharge', token: token('recharge') }];
  const digits = currencyInfo(currency)?.digits ?? 2;
  const tenths = Math.floor((amountMinor * (tenthsPerMajor[currency] ?? 50)) / 10 ** digits);
  return { tokens, units: `${Math.floor(tenths / 10)}.${tenths % 10}` };
}
