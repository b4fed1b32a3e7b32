/** stdout and stderr as the CLI writes them; kept apart from io.ts so that start-up does not load chalk. */

// Whether each stream's reader is still there: `airtime status | head -1` closes stdout early.
const open = { stdout: true, stderr: true };
const closedListeners = new Set<() => void>();

/**
 * A reader that went away (EPIPE: `| head`) is not an error: as gh does, the CLI goes quiet — later
 * writes to that stream are dropped — and a command that would run for ever (a listener) is asked to stop
 * as if interrupted, so that it closes its journal and leases cleanly instead of dying mid-write.
 */
export function watchOutputs(): void {
  let lost: string | undefined;
  const watch = (name: 'stdout' | 'stderr') => {
    process[name].on('error', (error: NodeJS.ErrnoException) => {
      if (!open[name]) return;
      open[name] = false;
      // EPIPE, or EIO when the terminal itself went away: nobody reads any more, which is not a failure.
      // Anything else (ENOSPC: `> /dev/full`, a full disk, a file too big) lost output somebody wanted.
      if (name === 'stdout' && error.code !== 'EPIPE' && error.code !== 'EIO') lost = error.code ?? error.message;
      if (name === 'stdout') for (const listener of closedListeners) listener();
    });
  };
  watch('stdout');
  watch('stderr');
  // At exit, because the write that fails may be the last one, reported after the command returned 0.
  process.on('exit', () => {
    if (lost === undefined) return;
    writeTo(
      'stderr',
      `error: the output could not be written to stdout (${lost}): what was journaled is kept — run the command again with its output sent somewhere with room`,
    );
    if (!process.exitCode) process.exitCode = 4;
  });
}

/** Runs `listener` when stdout's reader goes away; returns the unsubscribe. */
export function onStdoutClosed(listener: () => void): () => void {
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

let wroteStdout = false;

/** Whether anything went to stdout yet: a --json error object is printed only where no other JSON was. */
export const stdoutWasWritten = (): boolean => wroteStdout;

/** Writes a line to a stream whose reader is still there (and nothing otherwise). */
export const writeTo = (name: 'stdout' | 'stderr', text: string): void => {
  if (name === 'stdout') wroteStdout = true;
  if (open[name]) process[name].write(text.endsWith('\n') ? text : `${text}\n`);
};

/** Writes text as it is (help, commander's messages) to a stream whose reader is still there. */
export const writeRaw = (name: 'stdout' | 'stderr', text: string): void => {
  if (open[name]) process[name].write(text);
};

/** Whether stdout's reader is still there: a long export stops reading the journal once it is not. */
export const stdoutOpen = (): boolean => open.stdout;

/**
 * Writes a chunk of a long output (an export) with back-pressure: resolves once stdout took it, or at once
 * when its reader went away (the chunk is dropped, as writeTo does). Not `events.once(stdout, 'drain')`:
 * that rejects with the stream's EPIPE, which is the reader leaving, not a failure.
 */
export async function writeStdout(text: string): Promise<void> {
  if (!open.stdout || process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('error', done);
    process.stdout.on('close', done);
  });
}
