import { Chalk, type ChalkInstance } from 'chalk';

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

// Whether each stream's reader is still there: `airtime status | head -1` closes stdout early.
const open = { stdout: true, stderr: true };
const closedListeners = new Set<() => void>();

/**
 * A reader that went away (EPIPE: `| head`) is not an error: as gh does, the CLI goes quiet — later
 * writes to that stream are dropped — and a command that would run for ever (a listener) is asked to stop
 * as if interrupted, so that it closes its journal and leases cleanly instead of dying mid-write.
 */
export function watchOutputs(): void {
  const watch = (name: 'stdout' | 'stderr') => {
    // EPIPE mostly; EIO when the terminal itself went away. Either way nobody reads any more.
    process[name].on('error', () => {
      if (!open[name]) return;
      open[name] = false;
      if (name === 'stdout') for (const listener of closedListeners) listener();
    });
  };
  watch('stdout');
  watch('stderr');
}

/** Runs `listener` when stdout's reader goes away; returns the unsubscribe. */
export function onStdoutClosed(listener: () => void): () => void {
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

const write = (name: 'stdout' | 'stderr', text: string) => {
  if (open[name]) process[name].write(text.endsWith('\n') ? text : `${text}\n`);
};

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
    out: (text) => write('stdout', text),
    err: (text) => write('stderr', text),
    printJson: (value) => write('stdout', JSON.stringify(value, null, stdoutIsTTY ? 2 : 0)),
  };
}
