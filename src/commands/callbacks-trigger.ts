import type { GlobalOptions } from '../global-options.js';
import { callbackUrl, postCallback, type Posted } from '../callbacks/post.js';
import { shapeCallback, triggerStatuses, type CallbackSubject } from '../callbacks/shapes.js';
import { signingFor } from '../callbacks/signing.js';
import { ExitCode, failedError, invalidInput, usageError } from '../core/errors.js';
import { parseProviderAmount, requireCurrency } from '../core/money.js';
import { isTransferState } from '../core/transfer-state.js';
import { isProviderName, type ProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import { findTransfer } from '../transfers/lookup.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';

interface TriggerOptions extends GlobalOptions {
  to: string;
  reference?: string;
  phone?: string;
  amount?: string;
  currency?: string;
  pathToken?: string;
}

/** An invented transfer per provider, for a callback about nothing in the journal (the listener flags it). */
const invented: Record<ProviderName, Omit<CallbackSubject, 'reference'>> = {
  africastalking: { phone: '+254711000100', amountMinor: 1000, currency: 'KES', providerReference: null, requestReference: null },
  lipad: { phone: '+254711000100', amountMinor: 1000, currency: 'KES', providerReference: null, requestReference: null },
  zw: { phone: '+263772000100', amountMinor: 100, currency: 'USD', providerReference: null, requestReference: null },
  sandbox: { phone: '+254711000100', amountMinor: 1000, currency: 'KES', providerReference: null, requestReference: null },
};

/**
 * `airtime callbacks trigger <provider> <status> --to URL`: posts the callback the provider would send —
 * about a journaled transfer (`--reference`) or an invented one — shaped as the provider shapes it and
 * signed where it signs (zw with the webhook secret, the sandbox with the data folder's key).
 */
export default async function trigger(io: IO, provider: string, status: string, options: TriggerOptions): Promise<number> {
  if (!isProviderName(provider)) throw usageError(`provider "${provider}" is not known: choose sandbox, africastalking, lipad or zw`);
  const statuses = triggerStatuses[provider];
  if (!isTransferState(status) || !statuses.includes(status)) {
    throw usageError(`${provider} callbacks say ${statuses.join(', ')}: "${status}" is not one of them`);
  }
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    let subject: CallbackSubject = { reference: `trigger-${Date.now().toString(36)}`, ...invented[provider] };
    let profile = options.profile;
    if (options.reference) {
      const transfer = await findTransfer(context, options.reference, { profile: options.profile, provider });
      subject = transfer;
      profile = transfer.profile;
    }
    subject = withOverrides(subject, options);
    const signing = signingFor(context.settings.paths, provider, profile);
    const url = callbackUrl(options.to, provider, options.pathToken ?? process.env.AIRTIME_CALLBACK_TOKEN);
    const shaped = shapeCallback(provider, status, subject, signing);
    if (!io.json) io.err(`--> POST ${url.toString()}  ${provider} ${status} for ${safeText(subject.reference)}`);
    let posted: Posted;
    try {
      posted = await postCallback(url, shaped);
    } catch (error) {
      throw failedError(`could not post to ${url.toString()}: ${(error as { code?: string }).code ?? String(error)}; is the listener running?`);
    }
    if (io.json)
      io.printJson({
        url: posted.url,
        provider,
        status,
        reference: subject.reference,
        sent: shaped.body,
        answer: { status: posted.status, body: posted.body },
      });
    else io.out(`<-- ${posted.status} ${safeText(posted.body)}`);
    return posted.status >= 200 && posted.status < 300 ? ExitCode.ok : ExitCode.failed;
  } finally {
    await context.close();
  }
}

function withOverrides(subject: CallbackSubject, options: TriggerOptions): CallbackSubject {
  const currency = options.currency ? requireCurrency(options.currency).code : subject.currency;
  let amountMinor = subject.amountMinor;
  if (options.amount !== undefined) {
    try {
      amountMinor = parseProviderAmount(options.amount, currency);
    } catch {
      throw invalidInput(`--amount "${options.amount}" is not a decimal amount in ${currency}`);
    }
  }
  return { ...subject, currency, amountMinor, phone: options.phone ?? subject.phone };
}
