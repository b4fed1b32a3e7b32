import type { GlobalOptions } from '../global-options.js';
import { ExitCode } from '../core/errors.js';
import { providerCatalog } from '../providers/catalog.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';

export default async function providers(io: IO, _options: GlobalOptions): Promise<number> {
  const entries = Object.values(providerCatalog);
  if (io.json) {
    io.printJson({ providers: entries });
    return ExitCode.ok;
  }
  const yes = (flag: boolean) => (flag ? 'yes' : 'no');
  const extras = (entry: (typeof entries)[number]) =>
    [
      entry.offers.customSms ? 'custom SMS' : '',
      entry.offers.retries ? 'delivery retries' : '',
      entry.offers.walletTopUp ? 'wallet top-up' : '',
      entry.offers.bulkPreview ? 'bulk preview' : '',
      entry.offers.remoteBulk ? 'server-side bulk' : '',
      entry.offers.campaignPayouts ? 'campaign payouts' : '',
    ]
      .filter(Boolean)
      .join(', ') || '—';
  await printTable(
    io,
    ['provider', 'what', 'products', 'also', 'per request', 'status query', 'balance', 'ledger', 'callbacks', 'credentials'],
    entries.map((entry) => [
      entry.name,
      entry.title,
      entry.offers.products.join(', '),
      extras(entry),
      String(entry.capabilities.maxRecipientsPerRequest),
      entry.capabilities.statusQuery,
      yes(entry.capabilities.balance),
      yes(entry.capabilities.ledger),
      entry.capabilities.signedCallbacks ? 'signed' : yes(entry.capabilities.callbacks),
      entry.credentials,
    ]),
  );
  return ExitCode.ok;
}
