import type { ValidationSummary } from '../batch/validate.js';
import { groupedErrorLines } from './error-groups.js';
import type { IO } from './io.js';
import { formatTotals, totalsJson } from './format.js';
import { safeText } from './safe-text.js';

/** What the file check's view reads of a run's options. */
export interface FileCheckOptions {
  readonly dryRun?: boolean | undefined;
  readonly skipInvalid?: boolean | undefined;
  readonly errorsOut?: string | undefined;
}

/** A checked file as `--json` shows it. */
export function fileJson(file: string, summary: ValidationSummary) {
  const mapping = summary.mapping;
  return {
    file,
    rows: summary.rows,
    valid: summary.valid,
    invalid: summary.invalid,
    duplicates: summary.duplicates,
    totals: totalsJson(Object.fromEntries(summary.totals)),
    counts: Object.fromEntries(summary.counts),
    columns: Object.fromEntries((mapping?.applied ?? []).map(({ header, field }) => [field, header])),
    ignoredColumns: mapping?.unknown ?? [],
    errors: summary.errors.map(({ line, column, value, reason }) => ({ line, column, value, reason })),
  };
}

/** The one next step for invalid rows, built from this very command: a file of them to fix (--errors-out), or pay the rest (--skip-invalid). */
export function invalidRowsNext(options: FileCheckOptions): string {
  if (options.errorsOut) return `fix the rows in ${options.errorsOut} (each with its reason), or pay only the valid rows with --skip-invalid`;
  const words = process.argv
    .slice(2)
    .filter((word) => word !== '--yes' && word !== '-y')
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replaceAll('"', '\\"')}"`));
  const command = ['airtime', ...words, ...(options.dryRun ? [] : ['--dry-run']), '--errors-out', 'bad.csv'].join(' ');
  return `'${command}' writes them to bad.csv, each with its reason, to fix; or pay only the valid rows with --skip-invalid`;
}

/** A checked file: rows, columns, totals and the first errors (on stdout in a dry run, where it is the result). */
export function printFileCheck(io: IO, file: string, summary: ValidationSummary, options: FileCheckOptions): void {
  if (io.json) return;
  const mapping = summary.mapping;
  const out = options.dryRun ? (text: string) => io.out(text) : (text: string) => io.err(text);
  out(
    `${options.dryRun ? 'dry run — nothing will be sent\n' : ''}file ${safeText(file)}: ${summary.rows} rows, ${summary.valid} valid, ${summary.invalid} invalid${summary.duplicates ? ` (${summary.duplicates} duplicates)` : ''}`,
  );
  out(
    `columns: ${(mapping?.applied ?? []).map(({ header, field }) => `${field} ← "${safeText(header)}"`).join(', ')}${mapping?.unknown.length ? `; ignored: ${mapping.unknown.map((h) => `"${safeText(h)}"`).join(', ')}` : ''}`,
  );
  out(`total: ${formatTotals(Object.fromEntries(summary.totals), options.dryRun ? io.stdoutIsTTY : io.stderrIsTTY)}`);
  // Grouped by reason, then one next step built from this very command (issue 23).
  for (const line of groupedErrorLines(summary.errors)) out(line);
  if (summary.invalid > summary.errors.length) out(`  … and ${summary.invalid - summary.errors.length} more`);
  if (summary.invalid > 0 && !options.skipInvalid && options.dryRun) out(`next: ${invalidRowsNext(options)}`);
}
