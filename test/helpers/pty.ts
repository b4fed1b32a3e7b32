import { spawn, type IPty } from '@lydell/node-pty';
import { stripVTControlCharacters } from 'node:util';
import { binPath } from './cli.js';

export interface PtyOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Terminal size (80×24 unless told). */
  readonly cols?: number;
  readonly rows?: number;
  /** The whole run is killed after this long (20 s unless told): a test never hangs. */
  readonly timeoutMs?: number;
  /** Another program than the CLI (e.g. an interactive bash to test completion); `args` are then its own. */
  readonly command?: string;
  readonly args?: readonly string[];
}

export interface PtyExit {
  readonly code: number;
  readonly signal: number | undefined;
}

export interface PtySession {
  /** Everything the terminal received so far, escape sequences and all. */
  readonly raw: () => string;
  /** What a person would read: escape sequences removed, CR LF as LF. */
  readonly text: () => string;
  /** Resolves with the first match of `pattern` in `text()`, or fails after `timeoutMs` (or when the CLI exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types keys: "n\r" answers a prompt, "\x03" is Ctrl-C. */
  write(keys: string): void;
  /** The exit code once the CLI ends. */
  readonly exited: Promise<PtyExit>;
  kill(signal?: string): void;
}

/** Ctrl-C, Enter and friends as a terminal sends them. */
export const keys = { ctrlC: '\x03', enter: '\r', down: '\x1b[B', up: '\x1b[A' } as const;

/**
 * Runs the built CLI under a pseudo-terminal — stdin, stdout and stderr are all a TTY, as for a person at a
 * keyboard — with AIRTIME_HOME set, and lets a test wait for what it prints and type into it. node-pty (as
 * @lydell/node-pty, which ships prebuilt binaries in its npm packages) rather than `script -qefc`: it gives
 * the exit code and the terminal size directly and works the same on every platform.
 */
export function startPty(home: string, args: readonly string[], options: PtyOptions = {}): PtySession {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(AIRTIME_|AT_|LIPAD_|ZW_|CI$|NO_COLOR$|FORCE_COLOR$)/.test(key)) env[key] = value;
  }
  Object.assign(env, { AIRTIME_HOME: home, TERM: 'xterm-256color', NO_COLOR: '1' });
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child: IPty = spawn(options.command ?? process.execPath, options.command ? [...(options.args ?? [])] : [binPath, ...args], {
    name: 'xterm-256color',
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    cwd: options.cwd ?? process.cwd(),
    env,
  });
  let output = '';
  child.onData((chunk) => {
    output += chunk;
  });
  let done = false;
  const exited = new Promise<PtyExit>((resolve) => {
    child.onExit(({ exitCode, signal }) => {
      done = true;
      // The last output can arrive just after the exit event: give it one turn of the event loop.
      setTimeout(() => resolve({ code: exitCode, signal: signal || undefined }), 50);
    });
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  void exited.then(() => clearTimeout(killer));
  const text = () => stripVTControlCharacters(output).replaceAll('\r\n', '\n');
  return {
    raw: () => output,
    text,
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text());
        if (match) return match;
        if (done) throw new Error(`the CLI exited before ${pattern}; it printed:\n${text()}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the terminal shows:\n${text()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    write: (typed) => child.write(typed),
    exited,
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
  };
}
