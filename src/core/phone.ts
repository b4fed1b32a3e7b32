import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { invalidInput } from './errors.js';

export interface Phone {
  /** E.164 with a leading "+". */
  readonly e164: string;
  readonly country: string;
  /** The number as its subscriber dials it at home (zw's `target`). */
  readonly national: string;
}

/** What Excel does to a column of phone numbers, named so that a user knows where to look. */
function excelDamage(raw: string): string | undefined {
  if (/^\d(\.\d+)?E\+?\d+$/i.test(raw)) {
    return `phone "${raw}" was turned into scientific notation by a spreadsheet: format the column as Text and export again`;
  }
  if (/^\d+\.0+$/.test(raw)) {
    return `phone "${raw}" has a ".0" added by a spreadsheet: format the column as Text and export again`;
  }
  return undefined;
}

/**
 * Normalises a phone number to E.164: "+254…", "254…", "00254…" and local "0712…" (the latter needs a
 * country). Only valid mobile numbers pass: airtime cannot be sent to a landline.
 */
/** "(e.g. ZW) or write it as +263…": a hint in the country of the profile or provider in force (KE when none). */
function exampleOf(country: string | undefined): { code: string; prefix: string } {
  const code = (country ?? 'KE').toUpperCase();
  try {
    return { code, prefix: `+${getCountryCallingCode(code as CountryCode)}…` };
  } catch {
    return { code: 'KE', prefix: '+254…' };
  }
}

/**
 * `exampleCountry`: the country the hints name (the profile's, else the provider's home), never a default
 * for parsing — a local number still needs its country given.
 */
export function parsePhone(input: string, defaultCountry?: string, exampleCountry?: string): Phone {
  const example = exampleOf(defaultCountry ?? exampleCountry);
  const raw = input.trim();
  if (raw === '') throw invalidInput('phone is empty: give a mobile number such as +254712345678');
  const damage = excelDamage(raw);
  if (damage) throw invalidInput(damage);
  const compact = raw.replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(compact)) {
    throw invalidInput(`phone "${raw}" has characters that are not digits: give a number such as +254712345678`);
  }
  const digits = compact.replace('+', '');
  if (digits.length < 7) throw invalidInput(`phone "${raw}" is too short to be a phone number: give a mobile number such as +254712345678`);
  if (digits.length > 15) throw invalidInput(`phone "${raw}" is too long for a phone number (E.164 allows 15 digits)`);
  const country = defaultCountry?.toUpperCase() as CountryCode | undefined;
  const candidates: string[] = [];
  if (compact.startsWith('+')) candidates.push(compact);
  else if (compact.startsWith('00')) candidates.push(`+${compact.slice(2)}`);
  else if (compact.startsWith('0')) candidates.push(compact);
  else candidates.push(`+${compact}`, compact);

  for (const candidate of candidates) {
    const local = !candidate.startsWith('+');
    if (local && !country) continue;
    const parsed = parsePhoneNumberFromString(candidate, local ? country : undefined);
    // With full metadata, isValid() is exactly getType() !== undefined: one pattern pass instead of two.
    const type = parsed?.getType();
    if (!parsed || !type || !parsed.country) continue;
    if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
      throw invalidInput(`phone "${raw}" is not a mobile number (${type.toLowerCase().replaceAll('_', ' ')}): airtime goes to mobiles only`);
    }
    return { e164: parsed.number, country: parsed.country, national: `0${parsed.nationalNumber}` };
  }

  if (!compact.startsWith('+') && !country && compact.startsWith('0')) {
    throw invalidInput(`phone "${raw}" is a local number: give its country with --country (e.g. ${example.code}) or write it as ${example.prefix}`);
  }
  if (!compact.startsWith('+') && !compact.startsWith('0') && !country && compact.length <= 10) {
    throw invalidInput(
      `phone "${raw}" is not a valid international number; if it is a local number that lost its leading zero (a spreadsheet does that), give --country (e.g. ${example.code}) or write it as ${example.prefix}`,
    );
  }
  throw invalidInput(`phone "${raw}" is not a valid mobile number${country ? ` for ${country}` : ''}: check the digits or write it as +<country code><number>`);
}
