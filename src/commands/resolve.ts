import type { GlobalOptions } from '../cli.js';
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
}

/** `airtime resolve REF|--batch B --delivered|--failed|--not-sent --note TEXT`: the operator's word, journaled. */
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
    if (decision === 'not-sent') {
      await confirmOrExit(
        io,
        `Record that ${transfers.length === 1 ? `${transfers[0]?.reference} was` : `${transfers.length} transfers were`} never received by the provider? They become sendable again.`,
        { yes: options.yes },
      );
    }
    const outcomes = await resolveTransfers(context, transfers, decision, note);
    const by = await context.journal.whoami();
    if (io.json)
      io.printJson({
        decision,
        note,
        by,
        transfers: outcomes.map((outcome) => ({ ...transferJson(outcome.transfer), applied: outcome.applied, reason: outcome.reason })),
      });
    else if (outcomes.length === 1 && outcomes[0]) printTransfer(io, outcomes[0].transfer);
    const refused = outcomes.filter((outcome) => !outcome.applied);
    for (const outcome of refused) io.err(`${outcome.transfer.reference}: not changed (${outcome.reason ?? 'refused'})`);
    if (!io.json)
      io.err(
        `recorded by ${by}: ${outcomes.length - refused.length} marked ${decision}${decision === 'not-sent' ? ' (send them again with the same key or --resume)' : ''}`,
      );
    return refused.length ? ExitCode.failed : ExitCode.ok;
  } finally {
    await lease?.release();
    await context.close();
  }
}
