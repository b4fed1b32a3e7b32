import type { GlobalOptions } from '../cli.js';
import { ExitCode } from '../core/errors.js';
import { providerCatalog } from '../providers/catalog.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';

export default function providers(io: IO, _options: GlobalOptions): number {
  const entries = Object.values(providerCatalog);
  if (io.json) {
    io.printJson({ providers: entries });
    return ExitCode.ok;
  }
  const yes = (flag: boolean) => (flag ? 'yes' : 'no');
  printTable(
    io,
    ['provider', 'what', 'per request', 'status query', 'balance', 'ledger', 'callbacks', 'credentials'],
    entries.map((entry) => [
      entry.name,
      entry.title,
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
