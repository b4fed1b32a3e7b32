import { checkOutputPath } from '../batch/output-paths.js';
import { OutputFile } from '../output-file.js';
import type { GlobalOptions } from '../global-options.js';
import { csvCell } from '../batch/results.js';
import { ExitCode, failedError, usageError } from '../core/errors.js';
import { formatMinor } from '../core/money.js';
import { parseRecordedHead } from '../journal/audit.js';
import type { AuditEvent } from '../journal/journal.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';
import { startSpinner } from '../ui/spinner.js';
import { stdoutOpen, writeStdout } from '../ui/streams.js';

/** What a linear pass has done so far, and how fast (it reads the whole journal: docs/performance.md). */
function rateLine(what: string, count: number, startedMs: number): string {
  const seconds = (performance.now() - startedMs) / 1000;
  return `${what}: ${count.toLocaleString('en')} events${seconds > 1 ? ` (${Math.round(count / seconds).toLocaleString('en')}/s)` : ''}`;
}

interface VerifyOptions extends GlobalOptions {
  head?: string;
}

/** `airtime audit verify [--head N:HASH]`: recomputes the hash chain and checks every transfer's status against its events (and a head kept elsewhere). */
export async function auditVerify(io: IO, options: VerifyOptions): Promise<number> {
  const head = options.head === undefined ? undefined : parseRecordedHead(options.head);
  if (options.head !== undefined && !head)
    throw usageError(`--head "${options.head}" is not a chain head: give what 'airtime audit head' printed (COUNT:HASH, 64 hex digits)`);
  const context = AppContext.open(options);
  // Linear by nature (every event is rehashed): a terminal sees how far it is.
  const progress = await startSpinner(io, 'verifying the audit chain…');
  const started = performance.now();
  try {
    const report = await context.journal.verify({
      head,
      onProgress: ({ events, transfers }) =>
        progress.update(
          transfers ? `checking transfers against their events: ${transfers.toLocaleString('en')}` : rateLine('verifying the audit chain', events, started),
        ),
    });
    progress.stop();
    const [first] = report.breaks;
    if (io.json) {
      io.printJson({ intact: !first, events: report.events, transfers: report.transfers, head: report.head, breaks: report.breaks });
    } else if (!first) {
      io.out(
        `intact: ${report.events} events chain up to ${report.head.slice(0, 16)}…; ${report.transfers} transfers match their events${head ? `; the chain contains the recorded head ${head.count ?? '?'}:${head.hash.slice(0, 16)}…` : ''}`,
      );
    } else {
      for (const found of report.breaks.slice(1)) io.err(`also: ${found.message}`);
    }
    if (!first) return ExitCode.ok;
    if (io.json) return ExitCode.failed;
    throw failedError(
      `the journal ${context.journal.location} was tampered with: ${first.message}`,
      'keep it as it is (it is evidence) and compare with a backup or the providers’ own records',
    );
  } finally {
    progress.stop();
    await context.close();
  }
}

/** `airtime audit head`: the chain's head (event count and last hash), to keep somewhere the journal's writers cannot edit. */
export async function auditHead(io: IO, options: GlobalOptions): Promise<number> {
  const context = AppContext.open(options);
  try {
    const { count, head } = await context.journal.chainHead();
    if (io.json) io.printJson({ count, head, value: `${count}:${head}` });
    else io.out(`${count}:${head}`);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

interface ExportOptions extends GlobalOptions {
  batch?: string;
  since?: string;
  format: string;
  out?: string;
}

/** What each event says, for a reader of the export: who planned, approved, sent, what the provider answered, callbacks, decisions. */
function what(kind: string): string {
  if (kind === 'batch-created') return 'planned';
  if (kind === 'batch-complete') return 'journaled';
  if (kind === 'approval') return 'approved';
  if (kind === 'batch-awaiting-approval') return 'held for approval';
  if (kind === 'batch-approved') return 'approvals complete';
  if (kind === 'batch-rejected' || kind === 'reject') return 'rejected';
  if (kind === 'claim') return 'sent';
  if (kind === 'send') return 'provider answered';
  if (kind.startsWith('callback')) return 'callback';
  if (kind === 'resolve') return 'operator decision';
  if (kind === 'policy-set') return 'policy changed';
  if (kind === 'lease-takeover') return 'run taken over';
  if (kind === 'status' || kind === 'reconcile') return 'provider asked';
  return kind;
}

const money = (minor: unknown, currency: string): unknown => {
  const value = typeof minor === 'string' && /^-?\d+$/.test(minor) ? Number(minor) : minor;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return minor;
  try {
    return `${formatMinor(value, currency)} ${currency}`;
  } catch {
    return minor; // not a currency we know: left as it was recorded
  }
};

/**
 * An event's detail as a reader of the export meets it: money as a decimal string with its currency
 * ("1000.00 KES"), never the journal's minor units without a unit ("100000") — totals per currency,
 * approval thresholds and any `…Minor` field beside a `currency` (issue 23). The journal keeps what it
 * recorded; `audit verify` checks that, not this view.
 */
export function readableDetail(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => readableDetail(item));
  if (value === null || typeof value !== 'object') {
    const threshold = /^approvals\.above\.([A-Z]{3})$/.exec(key);
    return threshold?.[1] ? money(value, threshold[1]) : value;
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const currency = typeof record.currency === 'string' && /^[A-Z]{3}$/.test(record.currency) ? record.currency : undefined;
  for (const [name, item] of Object.entries(record)) {
    if (key === 'totals' && /^[A-Z]{3}$/.test(name)) out[name] = money(item, name);
    else if (currency && /Minor$/.test(name)) out[name.replace(/Minor$/, '')] = money(item, currency);
    else out[name] = readableDetail(item, name);
  }
  return out;
}

const columns = ['id', 'at', 'actor', 'what', 'kind', 'batch', 'reference', 'phone', 'amount', 'currency', 'from', 'to', 'flags', 'detail', 'hash'] as const;

function exportRow(event: AuditEvent): Record<(typeof columns)[number], string | number | null> {
  return {
    id: event.id,
    at: event.createdAt,
    actor: event.actor,
    what: what(event.kind),
    kind: event.kind,
    batch: event.batchId,
    reference: event.reference,
    phone: event.phone,
    amount: event.amountMinor === null || event.currency === null ? null : formatMinor(event.amountMinor, event.currency),
    currency: event.currency,
    from: event.fromStatus,
    to: event.toStatus,
    flags: event.flags.join(',') || null,
    detail: event.payload === null ? null : JSON.stringify(readableDetail(event.payload)),
    hash: event.hash,
  };
}

/** `airtime audit export [--batch B] [--since DATE] --format csv|json [--out FILE]`: the trail, event by event. */
export async function auditExport(io: IO, options: ExportOptions): Promise<number> {
  if (options.format !== 'csv' && options.format !== 'json') throw usageError(`--format "${options.format}" is not known: choose csv or json`);
  let since: string | undefined;
  if (options.since !== undefined) {
    const parsed = Date.parse(options.since);
    if (Number.isNaN(parsed)) throw usageError(`--since "${options.since}" is not a date: give e.g. 2026-11-01 or 2026-11-01T08:00:00Z`);
    since = new Date(parsed).toISOString();
  }
  if (options.out) await checkOutputPath(options.out, '--out', []);
  const context = AppContext.open(options);
  const file = options.out ? new OutputFile(options.out) : undefined;
  const write = async (text: string) => {
    if (file) await file.write(text);
    else await writeStdout(text);
  };
  try {
    const { journal } = context;
    if (options.batch && !(await journal.batch(options.batch))) throw usageError(`no batch "${options.batch}" in the journal ${journal.location}`);
    let count = 0;
    // Linear by nature (the whole trail, or a scan of it for one batch or date): a terminal sees how far it is.
    const progress = await startSpinner(io, 'exporting the audit trail…');
    const started = performance.now();
    if (options.format === 'csv') await write(`${columns.join(',')}\n`);
    else await write('[');
    // A reader that went away (`| head`) has all it wanted: stop reading the journal (README: not an error).
    for (let afterId = 0; file || stdoutOpen();) {
      const page = await journal.auditPage({ batchId: options.batch, since }, afterId, 2000);
      if (page.length === 0) break;
      for (const event of page) {
        const row = exportRow(event);
        if (options.format === 'csv') await write(`${columns.map((column) => csvCell(row[column])).join(',')}\n`);
        else await write(`${count ? ',' : ''}\n${JSON.stringify({ ...row, detail: readableDetail(event.payload) })}`);
        count += 1;
      }
      afterId = page.at(-1)?.id ?? afterId;
      progress.update(rateLine('exporting the audit trail', count, started));
    }
    progress.stop();
    if (options.format === 'json') await write('\n]\n');
    if (file) {
      await file.close();
      io.err(`${count} events written to ${file.path}`);
    }
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
