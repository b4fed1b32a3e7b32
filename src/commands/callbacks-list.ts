import { claimedMoney } from '../callbacks/claims.js';
import type { CallbackClaims } from '../callbacks/event.js';
import { callbackParsers } from '../callbacks/parse.js';
import { CallbackSpool } from '../callbacks/spool.js';
import { ExitCode, invalidInput } from '../core/errors.js';
import type { CallbackEventRecord } from '../journal/journal.js';
import { isProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { printTable } from '../ui/table.js';
import { parseCount } from './options.js';
import type { GlobalOptions } from '../global-options.js';

interface ListOptions extends GlobalOptions {
  batch?: string;
  flag?: string;
  limit: string;
}

/**
 * `airtime callbacks list`: what arrived, from the journal's events — the newest first cut to `--limit`,
 * shown oldest first — with what each callback claimed (phone, amount) and how it was flagged.
 */
export default async function list(io: IO, options: ListOptions): Promise<number> {
  const limit = parseCount(options.limit, '--limit', 100_000);
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { journal } = context;
    if (options.batch && !(await journal.batch(options.batch))) throw invalidInput(`no batch "${options.batch}" in the journal`);
    const events = (await journal.callbackEvents({ batchId: options.batch, flag: options.flag, limit, newest: true })).reverse();
    const rows = events.map(describe);
    const spooled = (await CallbackSpool.in(context.settings.paths.dataDir).entries()).length;
    if (io.json) {
      io.printJson({ callbacks: rows, spooled });
    } else if (rows.length === 0) {
      io.err(`no callbacks${options.flag ? ` flagged ${options.flag}` : ''}${options.batch ? ` for batch ${options.batch}` : ''} in the journal`);
    } else {
      await printTable(
        io,
        ['at', 'provider', 'reference', 'phone', 'amount', 'status', 'flags'],
        rows.map((row) =>
          [
            row.at,
            row.provider,
            row.reference ?? '—',
            row.phone ?? '—',
            row.amount ? `${row.amount} ${row.currency ?? ''}`.trim() : '—',
            row.status ?? '—',
            row.flags.join(','),
          ].map(safeText),
        ),
      );
    }
    if (spooled) io.err(`${spooled} callbacks wait in the spool (the journal could not take them): 'airtime serve-callbacks' replays them`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

/** One callback as listed: what it claimed (re-read from its body), what it did, and its transfer. */
function describe(event: CallbackEventRecord) {
  const provider = event.kind.slice('callback:'.length);
  let claims: CallbackClaims = {};
  let said: string | null = null;
  if (isProviderName(provider) && event.payload && typeof event.payload === 'object') {
    try {
      const parsed = callbackParsers[provider](event.payload as Record<string, unknown>);
      claims = parsed.claims;
      said = parsed.status;
    } catch {
      // An unreadable body (zw keeps those raw): nothing to show but its flags.
    }
  }
  const money = claimedMoney(claims, event.transfer?.currency ?? '');
  return {
    id: event.id,
    at: event.createdAt,
    provider,
    reference: event.transfer?.reference ?? null,
    batch: event.transfer?.batchId ?? null,
    phone: claims.phone ?? event.transfer?.phone ?? null,
    amount: money.shown ?? null,
    currency: money.shown === undefined ? null : money.currency || null,
    status: event.toStatus ?? said,
    flags: event.flags,
    actor: event.actor,
    payload: event.payload,
  };
}
