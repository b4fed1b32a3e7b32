import type { GlobalOptions } from '../global-options.js';
import { ExitCode, invalidInput, usageError } from '../core/errors.js';
import type { Transfer } from '../journal/transfer.js';
import { AppContext } from '../transfers/context.js';
import { findTransfer } from '../transfers/lookup.js';
import { BatchLease } from '../transfers/ownership.js';
import { resolveTransfers, type OperatorDecision } from '../transfers/resolve.js';
import { confirmOrExit } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';
import { printTransfer, transferJson } from '../ui/transfer-view.js';

interface ResolveOptions extends GlobalOptions {
  delivered?: boolean;
  failed?: boolean;
  notSent?: boolean;
  note?: string;
  batch?: string;
  yes?: boolean;
  overrideProvider?: boolean;
}

/**
 * `airtime resolve REF|--batch B --delivered|--failed|--not-sent --note TEXT [--override-provider]`: the
 * operator's word, journaled — after asking each transfer's own provider, whose word it may not contradict
 * without `--override-provider` (transfers/resolve.ts).
 */
export default async function resolve(io: IO, reference: string | undefined, options: ResolveOptions): Promise<number> {
  const decisions = (['delivered', 'failed', 'not-sent'] as const).filter((decision) => options[decision === 'not-sent' ? 'notSent' : decision]);
  if (decisions.length !== 1) throw usageError('say what happened with exactly one of --delivered, --failed or --not-sent');
  const decision = decisions[0] as OperatorDecision;
  const note = options.note?.trim();
  if (!note) throw usageError('--note is required: say why (e.g. "seen in the AT dashboard, 2026-11-23 14:02")');
  if (reference === undefined && !options.batch) throw usageError('name a transfer (its reference) or a batch (--batch B)');
  if (reference !== undefined && options.batch) throw usageError('name a transfer or a batch, not both');
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  let lease: BatchLease | undefined;
  try {
    let transfers: Transfer[];
    if (options.batch) {
      if (!(await context.journal.batch(options.batch))) throw invalidInput(`no batch "${options.batch}" in the journal`);
      lease = await BatchLease.acquire(context.journal, options.batch);
      transfers = await context.journal.batchPage(options.batch, ['sending', 'unknown'], 0, Number.MAX_SAFE_INTEGER);
      if (transfers.length === 0) {
        io.err(`batch ${options.batch} has no transfer in sending or unknown: nothing to resolve`);
        return ExitCode.ok;
      }
    } else {
      const transfer = await findTransfer(context, reference as string, options);
      if (transfer.batchId) lease = await BatchLease.acquire(context.journal, transfer.batchId);
      transfers = [transfer];
    }
    const outcomes = await resolveTransfers(context, transfers, decision, note, {
      overrideProvider: options.overrideProvider,
      confirm: async (verdicts) => {
        if (decision !== 'not-sent') return;
        const unproven = verdicts.filter((verdict) => !verdict.confirmed).length;
        await confirmOrExit(
          io,
          `Record that ${verdicts.length === 1 ? `${verdicts[0]?.transfer.reference} was` : `${verdicts.length} transfers were`} never received by the provider? They become sendable again` +
            (unproven
              ? ` — the provider did not confirm it for ${unproven === 1 && verdicts.length === 1 ? 'it' : unproven}: if it did arrive, sending again pays twice.`
              : '.'),
          { yes: options.yes },
        );
      },
    });
    const by = await context.journal.whoami();
    if (io.json)
      io.printJson({
        decision,
        note,
        by,
        transfers: outcomes.map((outcome) => ({
          ...transferJson(outcome.transfer),
          applied: outcome.applied,
          reason: outcome.reason,
          provider: { said: outcome.provider.kind, text: outcome.provider.text },
          confirmedByProvider: outcome.confirmed,
          overridden: outcome.overridden,
        })),
      });
    else if (outcomes.length === 1 && outcomes[0]?.applied) printTransfer(io, outcomes[0].transfer);
    const refused = outcomes.filter((outcome) => !outcome.applied);
    for (const outcome of refused) io.err(`${outcome.transfer.reference}: ${outcome.reason ?? 'not changed'}`);
    if (!io.json) {
      const applied = outcomes.filter((outcome) => outcome.applied);
      const overridden = applied.filter((outcome) => outcome.overridden).length;
      const unconfirmed = decision === 'delivered' ? 0 : applied.filter((outcome) => !outcome.confirmed).length;
      if (applied.length || !refused.length)
        io.err(
          `recorded by ${by}: ${applied.length} marked ${decision}${overridden ? ` (${overridden} against the provider's word, journaled as an override)` : ''}` +
            `${decision === 'not-sent' && applied.length ? ' (send them again with the same key or --resume)' : ''}`,
        );
      if (unconfirmed) {
        const first = applied.find((outcome) => !outcome.confirmed);
        io.err(
          `${unconfirmed} not confirmed by the provider (${first?.provider.text ?? 'no answer'}): still counted as possibly paid, so a new send to the same phone and amount is held as a repeat (--allow-repeats pays it anyway)`,
        );
      }
    }
    return refused.length ? ExitCode.failed : ExitCode.ok;
  } finally {
    await lease?.release();
    await context.close();
  }
}
