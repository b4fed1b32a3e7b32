import { countriesForCurrency, currencyForCountry, currencyInfo } from './currency.js';
import { invalidInput } from './errors.js';
import { parseAmount, requireCurrency, type AmountLimits, type DecimalMark, type Money } from './money.js';
import { parsePhone, type Phone } from './phone.js';

export interface RecipientInput {
  readonly phone: string;
  readonly amount: string;
  /** Explicit currency (flag or CSV column). */
  readonly currency?: string | undefined;
  /** Explicit country for local numbers (flag or CSV column). */
  readonly country?: string | undefined;
}

export interface RecipientDefaults {
  readonly country?: string | undefined;
  /** The country hints name for a local number (the provider's home): not used to parse. */
  readonly exampleCountry?: string | undefined;
  readonly currency?: string | undefined;
  readonly forceCurrency?: boolean | undefined;
  readonly limits?: Readonly<Record<string, AmountLimits>> | undefined;
  /** How amounts are written where they come from (--decimal-comma / --decimal-point); absent: ambiguous ones are refused. */
  readonly decimalMark?: DecimalMark | undefined;
  /** Whether the command offers --decimal-comma / --decimal-point (errors then name them). */
  readonly decimalFlags?: boolean | undefined;
}

export interface Recipient {
  readonly phone: Phone;
  readonly money: Money;
}

/** The same rules for `send` and every bulk row: one phone, one amount, one currency that fits the number. */
export function resolveRecipient(input: RecipientInput, defaults: RecipientDefaults = {}): Recipient {
  const explicitCurrency = input.currency?.trim() ? requireCurrency(input.currency).code : undefined;
  const countryHint =
    input.country?.trim() ||
    defaults.country ||
    (explicitCurrency ? currencyInfo(explicitCurrency)?.country : undefined) ||
    (defaults.currency ? currencyInfo(defaults.currency)?.country : undefined);
  const phone = parsePhone(input.phone, countryHint, defaults.exampleCountry);
  const currency = explicitCurrency ?? currencyForCountry(phone.country) ?? defaults.currency;
  if (!currency) {
    throw invalidInput(`no currency known for ${phone.e164} (${phone.country}): give one with --currency`);
  }
  if (explicitCurrency && !defaults.forceCurrency && !countriesForCurrency(explicitCurrency).includes(phone.country)) {
    throw invalidInput(
      `currency ${explicitCurrency} does not match ${phone.e164}, a ${phone.country} number: use ${currencyForCountry(phone.country) ?? 'its local currency'} or pass --force-currency`,
    );
  }
  const money = parseAmount(input.amount, requireCurrency(currency), {
    ...defaults.limits?.[currency],
    decimalMark: defaults.decimalMark,
    decimalFlags: defaults.decimalFlags,
  });
  return { phone, money };
}
