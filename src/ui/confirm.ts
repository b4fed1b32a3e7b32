import { AirtimeError, usageError } from '../core/errors.js';
import type { IO } from './io.js';

/**
 * Asks before money moves (or anything else that cannot be undone). Without a terminal there is nobody
 * to ask, so the command fails and names the flag that answers the question.
 */
export async function askConfirmation(io: IO, question: string, flag = '--yes'): Promise<boolean> {
  if (!io.stdinIsTTY || !io.stderrIsTTY) {
    throw usageError(`confirmation needed and no terminal to ask: run again with ${flag}`);
  }
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message: question, default: false }, { output: process.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new AirtimeError('cancelled', 'cancelled: nothing was done');
    throw error;
  }
}

/** `askConfirmation`, where "no" cancels (exit 130). */
export async function confirmOrExit(io: IO, question: string, options: { yes?: boolean | undefined; flag?: string }): Promise<void> {
  if (options.yes) return;
  if (!(await askConfirmation(io, question, options.flag))) throw new AirtimeError('cancelled', 'cancelled: nothing was done');
}
