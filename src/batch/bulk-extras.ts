import { parseRetryHours } from '../config/settings.js';
import { isAirtimeError, usageError } from '../core/errors.js';
import type { RecipientDefaults } from '../core/recipient.js';
import { providerCatalog } from '../providers/catalog.js';
import type { ProviderName } from '../providers/names.js';
import type { AppContext } from '../transfers/context.js';
import { catalogueProvider, providerRowCheck, requireOffer } from '../transfers/offers.js';
import type { FileCheck } from './prepare.js';
import { comparePreview, maxPreviewRows, type PreviewComparison } from './remote-preview.js';
import type { RowCheck } from './validate.js';

/** What a bulk run asks of its provider beyond the rows: retry hours, server-side bulk, the catalogue's row check. */
export interface BulkExtras {
  /** Africa's Talking `maxNumRetry` for every row journaled by this run (`--retry-hours`, or the profile's). */
  readonly retryHours: number | undefined;
  /** `--remote`: zw's server-side bulk instead of one order per request. */
  readonly remote: boolean;
  /** The provider's rule for each row (what it offers, its catalogue), the same in every pass over the file. */
  readonly rowCheck: RowCheck | undefined;
}

/**
 * The extras of a run, checked against what the provider offers before anything else: a flag it cannot take is
 * a usage error (exit 2). In a dry run a catalogue that cannot be reached is noted, and its checks left out.
 */
export async function bulkExtras(
  context: AppContext,
  options: { retryHours?: string | undefined; remote?: boolean | undefined; dryRun?: boolean | undefined },
  warn: (line: string) => void,
): Promise<BulkExtras> {
  const provider = context.account.provider as ProviderName;
  const retryHours =
    options.retryHours === undefined ? (provider === 'africastalking' ? context.settings.retryHours : undefined) : parseRetryHours(options.retryHours);
  requireOffer(provider, { retries: retryHours !== undefined });
  if (options.remote && !providerCatalog[provider].offers.remoteBulk) {
    throw usageError(`${provider} has no server-side bulk: --remote is for zw (without it, rows go one request per chunk, as always)`);
  }
  const check = providerRowCheck(provider, await catalogueProvider(context, options.dryRun, warn));
  // A dry run goes on without a catalogue it cannot read (noted once); a real run stops before anything is journaled.
  let unreadable = false;
  const rowCheck: RowCheck = async (row) => {
    if (unreadable) return undefined;
    try {
      return await check(row);
    } catch (error) {
      if (!options.dryRun || (isAirtimeError(error) && error.kind !== 'failed')) throw error;
      unreadable = true;
      warn(
        `note: ${provider}'s catalogue could not be read (${error instanceof Error ? error.message : String(error)}): products and ranges are checked when it sends`,
      );
      return undefined;
    }
  };
  return { retryHours, remote: options.remote === true, rowCheck };
}

export interface PreviewOutcome {
  readonly comparison: PreviewComparison;
  /** The provider refuses rows we accept: they would fail when sent. */
  readonly refusesOurs: boolean;
}

/**
 * `bulk --dry-run` with a provider that previews files (zw): its verdict beside ours, disagreements listed.
 * A preview that cannot be asked is a note, not an error: our own verdict stands.
 */
export async function askPreview(
  context: AppContext,
  file: string,
  defaults: RecipientDefaults,
  check: FileCheck,
  ourErrors: ReadonlyMap<number, string>,
  note: (line: string) => void,
): Promise<PreviewOutcome | undefined> {
  const name = context.account.provider as ProviderName;
  if (!providerCatalog[name].offers.bulkPreview) return undefined;
  if (check.summary.rows > maxPreviewRows) {
    note(`note: ${name}'s preview is not asked for more than ${maxPreviewRows} rows: our own verdict stands`);
    return undefined;
  }
  let comparison;
  try {
    const provider = await context.provider();
    if (!provider.previewBulk) return undefined;
    comparison = await comparePreview(file, defaults, check.batchId, provider, ourErrors);
  } catch (error) {
    note(`note: ${name}'s own preview could not be asked (${error instanceof Error ? error.message : String(error)}): our verdict stands`);
    return undefined;
  }
  return { comparison, refusesOurs: comparison.disagreements.some((row) => row.ours === 'valid') };
}
