import { AirtimeError, usageError } from '../core/errors.js';
import type { IO } from './io.js';

/**
 * Asks before money moves. `--yes` answers it; without a TTY there is nobody to ask, so the command
 * fails and names the flag.
 */
export async function confirmOrExit(io: IO, question: string, options: { yes?: boolean | undefined; flag?: string }): Promise<void> {
  if (options.yes) return;
  if (!io.stdinIsTTY || !io.stderrIsTTY) {
    throw usageError(`confirmation needed and no terminal to ask: run again with ${options.flag ?? '--yes'}`);
  }
  const { confirm } = await import('@inquirer/prompts');
  let answer: boolean;
  try {
    answer = await confirm({ message: question, default: false }, { output: process.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new AirtimeError('cancelled', 'cancelled: nothing was sent');
    throw error;
  }
  if (!answer) throw new AirtimeError('cancelled', 'cancelled: nothing was sent');
}
