import { formatCount, formatDuration, formatTotals } from './format.js';
import type { IO } from './io.js';
import { canSpin, startSpinner, type Progress } from './spinner.js';

/** What a sending run has done so far (batch/dispatch.ts fills it). */
export interface RunCounts {
  readonly total: number;
  readonly sent: number;
  readonly sentMinor: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly unknown: number;
  /** `performance.now()` when the run started. */
  readonly startedAt: number;
}

export interface RunProgress {
  update(counts: RunCounts): void;
  /** Stops the display; off a terminal, prints the last line once. */
  stop(): void;
}

/** "sent 1,234/5,000 · 1,234,000.00 KES · failed 2 · unknown 0 · 412 rows/s · ETA 1m 32s": rows (recipients), not requests — `--rate` counts requests. */
export function progressLine(counts: RunCounts, now: number, grouped: boolean): string {
  const elapsedMs = Math.max(0, now - counts.startedAt);
  const perSecond = elapsedMs > 0 ? (counts.sent * 1000) / elapsedMs : 0;
  const remaining = Math.max(0, counts.total - counts.sent);
  const eta = remaining === 0 ? 'done' : perSecond > 0 ? `ETA ${formatDuration((remaining / perSecond) * 1000)}` : 'ETA —';
  return [
    `sent ${formatCount(counts.sent, grouped)}/${formatCount(counts.total, grouped)}`,
    formatTotals(counts.sentMinor, grouped),
    `failed ${formatCount(counts.failed, grouped)}`,
    `unknown ${formatCount(counts.unknown, grouped)}`,
    `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} rows/s`,
    eta,
    formatDuration(elapsedMs),
  ].join(' · ');
}

/**
 * The progress of a sending run on stderr. On a terminal a spinner whose line is redrawn every second
 * from the latest counts, so that time, rate and ETA move even while a slow request is in flight. Off a
 * terminal one line per interval (a log should not hold thousands of lines), and the last line once at
 * the end. Nothing with --json.
 */
export async function startRunProgress(io: IO, options: { intervalMs?: number } = {}): Promise<RunProgress> {
  if (io.json) return { update: () => {}, stop: () => {} };
  const intervalMs = options.intervalMs ?? (io.stderrIsTTY ? 1000 : 5000);
  let latest: RunCounts | undefined;
  let printed: string | undefined;
  let spinner: Progress | undefined;
  if (canSpin(io)) spinner = await startSpinner(io, 'sending…');
  const render = () => (latest ? progressLine(latest, performance.now(), io.stderrIsTTY) : undefined);
  const timer = setInterval(() => {
    const line = render();
    if (line === undefined) return;
    if (spinner) spinner.update(line);
    else if (latest && latest.sent > 0 && line !== printed) {
      printed = line;
      io.err(line);
    }
  }, intervalMs);
  timer.unref();
  return {
    update(counts) {
      latest = { ...counts, sentMinor: { ...counts.sentMinor } };
      const line = render();
      if (spinner && line) spinner.update(line);
    },
    stop() {
      clearInterval(timer);
      spinner?.stop();
      const line = render();
      // The final state, once: on a terminal the spinner's line is gone, so it is printed there too.
      if (line && latest && latest.sent > 0) io.err(line);
    },
  };
}
