import type { IO } from './io.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/** A spinner on a TTY (stderr), nothing otherwise: pipes and logs get only the final result. */
export async function startSpinner(io: IO, text: string): Promise<Progress> {
  if (!io.stderrIsTTY || io.json) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => spinner.stop(),
  };
}
