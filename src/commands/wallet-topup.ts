import type { GlobalOptions } from '../global-options.js';
import { airtimeCommand } from '../config/in-force.js';
import { describeAccount } from '../core/account.js';
import { ExitCode, usageError } from '../core/errors.js';
import { formatMinor, parseAmount, requireCurrency } from '../core/money.js';
import { providerCatalog } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';

/**
 * `wallet topup 50 USD`: starts a top-up of the provider's prepaid wallet and prints the payment page to open
 * (the sandbox has none: its wallet is credited at once, so a rehearsal can refill what it spent).
 * Nothing leaves here — the money moves when the page is paid — so there is no gate; the start is journaled
 * as an event, for the record.
 */
export default async function walletTopup(io: IO, amount: string, currency: string, options: GlobalOptions): Promise<number> {
  const money = parseAmount(amount, requireCurrency(currency), { minMinor: null, maxMinor: null });
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const name = context.account.provider as ProviderName;
    if (!providerCatalog[name].offers.walletTopUp) {
      const others = Object.values(providerCatalog)
        .filter((entry) => entry.offers.walletTopUp)
        .map((entry) => entry.name)
        .join(', ');
      throw usageError(`${name} has no wallet top-up the tool can start: top it up in its portal (wallet top-up: ${others})`);
    }
    const { account, provider } = await context.activeProvider();
    if (!provider.topUp) throw usageError(`${name} has no wallet top-up the tool can start: top it up in its portal`);
    const started = await provider.topUp(money.minor, money.currency);
    const recorded = await context.journal.recordEvent({
      kind: 'wallet-topup',
      payload: {
        account: account.id,
        provider: provider.name,
        id: started.id,
        amount: formatMinor(money.minor, money.currency),
        currency: money.currency,
        status: started.status,
      },
    });
    if (!recorded) io.err('note: the top-up could not be recorded in the journal');
    if (io.json) {
      io.printJson({
        provider: provider.name,
        profile: account.profile,
        id: started.id,
        status: started.status,
        amount: formatMinor(started.minor, started.currency),
        currency: started.currency,
        paymentUrl: started.paymentUrl || null,
      });
    } else if (!started.paymentUrl && started.status === 'paid') {
      // The sandbox: no page to pay, the wallet is credited now.
      io.err(
        `credited ${formatMinor(money.minor, money.currency)} ${money.currency} to ${describeAccount(account)}: '${airtimeCommand('wallet', 'provider')}' shows the new balance`,
      );
    } else {
      io.out(safeText(started.paymentUrl));
      io.err(
        `top-up ${started.id ? `${safeText(started.id)} ` : ''}of ${formatMinor(money.minor, money.currency)} ${money.currency} started on ${describeAccount(account)}: open the link above to pay; ` +
          `'${airtimeCommand('wallet', 'provider')}' shows the new balance once it is paid`,
      );
    }
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
