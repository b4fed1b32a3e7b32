import { describeAccount } from '../core/account.js';
import { invalidInput, usageError } from '../core/errors.js';
import type { Transfer } from '../journal/transfer.js';
import type { AppContext } from './context.js';

/**
 * A transfer named on the command line: our key (in any account) or the provider's reference. Keys belong
 * to accounts, so one key may name transfers in several; then `--profile`/`--provider` choose.
 */
export async function findTransfer(
  context: AppContext,
  reference: string,
  flags: { profile?: string | undefined; provider?: string | undefined },
): Promise<Transfer> {
  const byKey = await context.journal.find({ reference });
  const candidates = byKey.length ? byKey : await context.journal.find({ providerReference: reference });
  const chosen = candidates.filter(
    (transfer) => (flags.provider === undefined || transfer.provider === flags.provider) && (flags.profile === undefined || transfer.profile === flags.profile),
  );
  if (chosen.length === 1) return chosen[0] as Transfer;
  if (candidates.length === 0) throw invalidInput(`no transfer with reference "${reference}" in the journal: list recent ones with 'airtime status'`);
  if (chosen.length === 0)
    throw invalidInput(`no transfer "${reference}" for ${[flags.provider, flags.profile].filter(Boolean).join(' / ')}: it exists only elsewhere`);
  throw usageError(
    `"${reference}" names ${chosen.length} transfers (${chosen.map((transfer) => describeAccount(transfer)).join('; ')}): choose one with --profile or --provider`,
  );
}
