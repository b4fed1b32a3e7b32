import type { PreviewComparison } from '../batch/remote-preview.js';
import { formatMinor } from '../core/money.js';
import { safeText } from './safe-text.js';

/** Lines shown after our own dry-run verdict: the provider's, and every row where the two differ. */
export function previewLines(comparison: PreviewComparison, shown = 50): string[] {
  const { verdict, ours, provider } = comparison;
  const counts =
    verdict.valid !== undefined || verdict.invalid !== undefined
      ? `${verdict.valid ?? '?'} valid, ${verdict.invalid ?? '?'} invalid`
      : `${verdict.refused.size} refused`;
  const totals = Object.entries(verdict.totals)
    .map(([currency, minor]) => `${formatMinor(minor, currency)} ${currency}`)
    .join(', ');
  const lines = [`${provider}'s own preview: ${counts}${totals ? `, total ${totals}` : ''} (ours: ${ours.valid} valid, ${ours.invalid} invalid)`];
  if (!comparison.perRow) {
    lines.push(`  ${provider} named no rows, so only the counts can be compared`);
    return lines;
  }
  if (comparison.disagreements.length === 0) {
    lines.push(`  ${provider} agrees with every row`);
    return lines;
  }
  lines.push(`  ${comparison.disagreements.length} row${comparison.disagreements.length === 1 ? '' : 's'} where we disagree:`);
  for (const row of comparison.disagreements.slice(0, shown)) {
    lines.push(
      row.ours === 'valid'
        ? `  line ${row.line}: ${provider} refuses it (${safeText(row.theirs)}); we accept it`
        : `  line ${row.line}: we refuse it (${safeText(row.ours)}); ${provider} accepts it`,
    );
  }
  if (comparison.disagreements.length > shown) lines.push(`  … and ${comparison.disagreements.length - shown} more (--json lists them all)`);
  return lines;
}

export function previewJson(comparison: PreviewComparison) {
  return {
    provider: comparison.provider,
    valid: comparison.verdict.valid ?? null,
    invalid: comparison.verdict.invalid ?? null,
    totals: Object.fromEntries(Object.entries(comparison.verdict.totals).map(([currency, minor]) => [currency, formatMinor(minor, currency)])),
    ours: comparison.ours,
    perRow: comparison.perRow,
    disagreements: comparison.disagreements,
  };
}
