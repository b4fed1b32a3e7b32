import type { GlobalOptions } from '../global-options.js';
import { usageError } from '../core/errors.js';
import { resolveRecipient } from '../core/recipient.js';
import { AppContext } from '../transfers/context.js';
import { checkKey, newTransferKey } from '../transfers/keys.js';
import { repeatWindowOption } from '../transfers/repeats.js';
import { providerCatalog } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import { payOne } from '../payouts/pay-one.js';
import type { IO } from '../ui/io.js';
import { parseSeconds } from './options.js';

interface PayoutOptions extends GlobalOptions {
  amount: string;
  currency?: string;
  country?: string;
  reference?: string;
  note?: string;
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
  yes?: boolean;
  maxTotal?: string;
  repeatWindow?: string;
  allowRepeats?: boolean;
}

/**
 * `campaign payout <campaign-id> <phone>`: a campaign's reward, paid like any send — the key checked, the
 * repeat guard, the gate, journaled and claimed before the signed request leaves (zw adapter → payout).
 */
export default async function campaignPayout(io: IO, campaignId: string, phone: string, options: PayoutOptions): Promise<number> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(campaignId)) throw usageError(`campaign id "${campaignId}" may only hold letters, digits, _, . and - (at most 64)`);
  if (options.reference !== undefined) {
    const problem = checkKey(options.reference);
    if (problem) throw usageError(problem.replace(/^key/, 'reference'));
  }
  const timeoutMs = parseSeconds(options.timeout, '--timeout') * 1000;
  const windowMs = repeatWindowOption(options.repeatWindow);
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { settings } = context;
    const provider = context.account.provider as ProviderName;
    if (!providerCatalog[provider].offers.campaignPayouts) {
      throw usageError(`${provider} runs no campaigns: campaign payouts are zw's (--provider zw, or a zw profile)`);
    }
    const recipient = resolveRecipient(
      { phone, amount: options.amount, currency: options.currency, country: options.country },
      { country: settings.country, currency: settings.currency, limits: settings.limits },
    );
    return await payOne(
      io,
      context,
      {
        reference: options.reference ?? newTransferKey(),
        target: recipient.phone.e164,
        money: recipient.money,
        details: { campaign: campaignId },
        note: options.note,
      },
      { ...options, key: options.reference },
      { timeoutMs, windowMs, what: `from campaign ${campaignId}`, keyFlag: '--reference' },
    );
  } finally {
    await context.close();
  }
}
