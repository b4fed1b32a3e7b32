import type { IO } from './io.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/**
 * Whether a spinner can run: a terminal on stderr that reports its width. A terminal of zero columns (a
 * pty nobody sized: CI, cron, `docker -t`) sends ora's line counting into a loop that starves the run.
 */
export function canSpin(io: IO): boolean {
  return io.stderrIsTTY && !io.json && process.stderr.columns > 0;
}

/**
 * A spinner on a TTY (stderr), nothing otherwise: pipes and logs get only the final result. ora would put
 * the terminal in raw mode to swallow keystrokes (`discardStdin`), which swallows Ctrl-C too: a run that
 * moves money must always be stoppable, so stdin is left alone.
 */
export async function startSpinner(io: IO, text: string): Promise<Progress> {
  if (!canSpin(io)) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => spinner.stop(),
  };
}
