import type { IO } from './io.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/**
 * A spinner on a TTY (stderr), nothing otherwise: pipes and logs get only the final result. ora would put
 * the terminal in raw mode to swallow keystrokes (`discardStdin`), which swallows Ctrl-C too: a run that
 * moves money must always be stoppable, so stdin is left alone.
 */
export async function startSpinner(io: IO, text: string): Promise<Progress> {
  if (!io.stderrIsTTY || io.json) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => spinner.stop(),
  };
}
