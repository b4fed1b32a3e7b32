import type { GlobalOptions } from '../global-options.js';
import { airtimeCommand } from '../config/in-force.js';
import { ExitCode, usageError } from '../core/errors.js';
import { parseProductKind } from '../core/product.js';
import { providerCatalog } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';

interface ProductsOptions extends GlobalOptions {
  kind?: string;
  network?: string;
}

/** The provider's catalogue: what `send --product`/`--product-id` and a bulk file's `product` column can buy. */
export default async function products(io: IO, options: ProductsOptions): Promise<number> {
  const kind = options.kind === undefined ? undefined : parseProductKind(options.kind, '--kind');
  const network = options.network?.trim().toLowerCase();
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const name = context.account.provider as ProviderName;
    const offers = providerCatalog[name].offers;
    if (!offers.catalogue) {
      throw usageError(
        `${name} publishes no product catalogue: it sells ${offers.products.join(', ')} only (see 'airtime providers'); zw and the sandbox have one`,
      );
    }
    const provider = await context.provider();
    const all = (await provider.products?.()) ?? [];
    const shown = all.filter(
      (product) => (kind === undefined || product.kind === kind) && (network === undefined || product.network.toLowerCase() === network),
    );
    if (io.json) {
      io.printJson({
        provider: provider.name,
        products: shown.map((product) => ({
          id: product.id,
          name: product.name,
          network: product.network,
          kind: product.kind,
          currency: product.currency,
          min: product.min ?? null,
          max: product.max ?? null,
        })),
      });
      return ExitCode.ok;
    }
    if (shown.length === 0) {
      const networks = [...new Set(all.map((product) => product.network))].join(', ');
      io.err(
        `${provider.name} sells nothing that matches${kind ? ` --kind ${kind}` : ''}${options.network ? ` --network ${safeText(options.network)}` : ''} (networks: ${networks})`,
      );
      return ExitCode.ok;
    }
    await printTable(
      io,
      ['id', 'name', 'network', 'kind', 'currency', 'min', 'max'],
      shown.map((product) =>
        [String(product.id), product.name, product.network, product.kind, product.currency, product.min ?? '—', product.max ?? '—'].map(safeText),
      ),
    );
    io.err(`buy one with: ${airtimeCommand('send <phone or meter> <amount> --product <kind>', 'provider')} (or --product-id <id>)`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
