import { Command } from 'commander';
import { withExamples } from '../help.js';
import { notAChoice } from '../core/suggest.js';
import type { IO } from '../ui/io.js';

/** A command that does no I/O of its own may answer synchronously; `action` awaits either. */
export type CommandModule = () => Promise<{ default: (io: IO, ...args: never[]) => number | Promise<number> }>;

/** Runs a command's module (loaded only then) with the IO and the global options, and records its exit code. */
export type Action = (load: CommandModule) => (...args: unknown[]) => Promise<void>;

export const groups = { pay: 'PAYMENT COMMANDS', accounts: 'ACCOUNT COMMANDS', team: 'TEAM COMMANDS', dev: 'DEVELOPER COMMANDS' } as const;

/** A commander command that carries examples for its help page (help.ts puts them first). */
export class AirtimeCommand extends Command {
  examples(lines: readonly string[]): this {
    return withExamples(this, lines);
  }

  override createCommand(name?: string): AirtimeCommand {
    return new AirtimeCommand(name);
  }
}

/** A value among fixed choices, refused with "did you mean" (commander's own message lists them without a guess). */
export function choiceOf(flag: string, choices: readonly string[]) {
  return (value: string): string => {
    if (choices.includes(value)) return value;
    throw notAChoice(flag, value, choices);
  };
}
