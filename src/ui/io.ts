import { Chalk, type ChalkInstance } from 'chalk';
import { safeJson } from './safe-text.js';
import { writeTo } from './streams.js';

/**
 * The streams a command writes to and what they are connected to — decided once, so that tests drive
 * both the TTY and the pipe behaviour without a terminal (as the GitHub CLI's IOStreams does).
 */
export interface IO {
  readonly json: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** Colour for stdout / stderr: only on a TTY, never with NO_COLOR or --no-color. */
  readonly color: ChalkInstance;
  readonly errColor: ChalkInstance;
  out(text: string): void;
  err(text: string): void;
  /** A machine-readable value on stdout. */
  printJson(value: unknown): void;
}

export interface IOOptions {
  readonly json?: boolean;
  readonly color?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export function createIO(options: IOOptions = {}): IO {
  const env = options.env ?? process.env;
  const allowed = options.color !== false && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  return {
    json: options.json ?? false,
    stdoutIsTTY,
    stderrIsTTY,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    color: new Chalk({ level: allowed && stdoutIsTTY ? 1 : 0 }),
    errColor: new Chalk({ level: allowed && stderrIsTTY ? 1 : 0 }),
    out: (text) => writeTo('stdout', text),
    err: (text) => writeTo('stderr', text),
    // Escaped where a terminal would act on a character (bidi controls): the parsed data is unchanged.
    printJson: (value) => writeTo('stdout', safeJson(value, stdoutIsTTY ? 2 : 0)),
  };
}
