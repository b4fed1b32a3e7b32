import { existsSync } from 'node:fs';
import type { GlobalOptions } from '../global-options.js';
import { checkJournalUrl } from '../config/journal-url.js';
import { airtimePaths } from '../config/paths.js';
import { resolveSettings } from '../config/settings.js';
import { ExitCode, failedError, usageError } from '../core/errors.js';
import { copyJournal } from '../journal/copy.js';
import { Journal } from '../journal/journal.js';
import { openDatabase } from '../journal/open.js';
import { describeHolder, runningHolders } from '../transfers/ownership.js';
import type { IO } from '../ui/io.js';
import { startSpinner } from '../ui/spinner.js';

interface MigrateOptions extends GlobalOptions {
  to?: string;
  from?: string;
}

/**
 * `airtime journal migrate --to postgres://…`: copies this machine's SQLite journal into a shared
 * PostgreSQL one (idempotent; verified by counts and the audit chain before it commits).
 */
export default async function journalMigrate(io: IO, options: MigrateOptions): Promise<number> {
  const paths = airtimePaths();
  const settings = resolveSettings(paths, options);
  const url = options.to ? checkJournalUrl(options.to, '--to') : settings.journal.kind === 'postgres' ? settings.journal.url : undefined;
  if (!url) throw usageError('say where to: --to postgres://… (or set the journal first: airtime config set journal postgres://…)');
  if (options.to && new URL(url).password) io.err('warning: a password in an argument stays in your shell history; prefer PGPASSWORD');
  const file = options.from ?? paths.journalFile;
  if (!existsSync(file)) throw usageError(`there is no SQLite journal at ${file} to copy: name one with --from FILE`);
  const source = openDatabase({ kind: 'sqlite', file });
  // A run still writing would make the copy a moment of a moving journal (and its check cry tampering):
  // refused, naming the run, before anything is read or the target is touched.
  try {
    const [running, ...more] = await runningHolders(Journal.over(source));
    if (running) {
      throw failedError(
        `${running.name.replace(/^batch:/, 'batch ')} is being run by ${describeHolder(running)}${more.length ? ` (and ${more.length} more run${more.length === 1 ? '' : 's'})` : ''}: nothing was copied; migrate once it has finished (or stop it)`,
      );
    }
  } catch (error) {
    await source.close();
    throw error;
  }
  const target = openDatabase({ kind: 'postgres', url });
  try {
    if (!io.json) io.err(`copying ${source.location} into ${target.location}…`);
    // Linear by nature (every row is copied, then the chain verified on both sides): a terminal sees how far it is.
    const progress = await startSpinner(io, 'verifying the SQLite journal…');
    const started = performance.now();
    let report;
    try {
      report = await copyJournal(source, target, (table, copied) => {
        const seconds = (performance.now() - started) / 1000;
        progress.update(
          `copying ${table}: ${copied.toLocaleString('en')}${seconds > 1 ? ` (${Math.round(copied / seconds).toLocaleString('en')} rows/s overall)` : ''}`,
        );
      });
    } finally {
      progress.stop();
    }
    if (io.json) {
      io.printJson({ from: source.location, to: target.location, ...report });
      return ExitCode.ok;
    }
    const { counts } = report;
    io.err(
      `copied and verified: ${counts.accounts} accounts, ${counts.batches} batches, ${counts.transfers} transfers, ${counts.events} events` +
        `${report.eventsAlreadyThere ? ` (${report.eventsAlreadyThere} were there from an earlier copy)` : ''}; the audit chain ends in ${report.head.slice(0, 16)}… on both`,
    );
    if (settings.journal.kind === 'sqlite') io.err(`to use it: airtime config set journal ${target.location.includes('••••') ? '<the URL>' : target.location}`);
    return ExitCode.ok;
  } finally {
    await target.close();
    await source.close();
  }
}
