/**
 * Currencies the tool knows: ISO-4217 minor digits, the country whose numbers use it, and the
 * per-transfer limits a provider is known to enforce (africastalking.md → Limits). A maximum is only set
 * where one was observed; a profile's `limits` can set or override either bound.
 */
export interface CurrencyInfo {
  readonly code: string;
  readonly digits: number;
  readonly country: string;
  readonly minMinor: number;
  readonly maxMinor: number | null;
}

const table: Record<string, Omit<CurrencyInfo, 'code'>> = {
  KES: { digits: 2, country: 'KE', minMinor: 5_00, maxMinor: 10_000_00 },
  UGX: { digits: 0, country: 'UG', minMinor: 50, maxMinor: null },
  TZS: { digits: 2, country: 'TZ', minMinor: 500_00, maxMinor: null },
  NGN: { digits: 2, country: 'NG', minMinor: 50_00, maxMinor: null },
  GHS: { digits: 2, country: 'GH', minMinor: 1_00, maxMinor: null },
  ZMW: { digits: 2, country: 'ZM', minMinor: 5_00, maxMinor: null },
  ZAR: { digits: 2, country: 'ZA', minMinor: 5_00, maxMinor: null },
  ETB: { digits: 2, country: 'ET', minMinor: 5_00, maxMinor: null },
  MWK: { digits: 2, country: 'MW', minMinor: 300_00, maxMinor: null },
  RWF: { digits: 0, country: 'RW', minMinor: 100, maxMinor: null },
  XOF: { digits: 0, country: 'SN', minMinor: 100, maxMinor: null },
  // Zimbabwe's airtime is sold in US dollars (zw.md: multi-currency wallet); ZWG is also accepted there.
  USD: { digits: 2, country: 'ZW', minMinor: 1_00, maxMinor: null },
  ZWG: { digits: 2, country: 'ZW', minMinor: 1_00, maxMinor: null },
};

/** Countries whose default currency differs from the one whose `country` field names them. */
const countryCurrency: Record<string, string> = {
  KE: 'KES',
  UG: 'UGX',
  TZ: 'TZS',
  NG: 'NGN',
  GH: 'GHS',
  ZM: 'ZMW',
  ZA: 'ZAR',
  ET: 'ETB',
  MW: 'MWK',
  RW: 'RWF',
  SN: 'XOF',
  CI: 'XOF',
  ML: 'XOF',
  BF: 'XOF',
  BJ: 'XOF',
  TG: 'XOF',
  NE: 'XOF',
  GW: 'XOF',
  ZW: 'USD',
};

const infos = new Map<string, CurrencyInfo>(Object.entries(table).map(([code, info]) => [code, Object.freeze({ code, ...info })]));

export function currencyInfo(code: string): CurrencyInfo | undefined {
  return infos.get(code) ?? infos.get(code.trim().toUpperCase());
}

export function knownCurrencies(): string[] {
  return Object.keys(table);
}

export function currencyForCountry(country: string): string | undefined {
  return countryCurrency[country.toUpperCase()];
}

const countriesByCurrency = new Map<string, readonly string[]>();
for (const [country, currency] of Object.entries(countryCurrency)) {
  countriesByCurrency.set(currency, [...(countriesByCurrency.get(currency) ?? []), country]);
}
countriesByCurrency.set('ZWG', ['ZW']);

/** The countries a currency may legitimately be sent to (XOF and USD span several). */
export function countriesForCurrency(code: string): readonly string[] {
  return countriesByCurrency.get(code.toUpperCase()) ?? [];
}
