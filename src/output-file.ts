import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { noFollow } from './config/private-files.js';
import { AirtimeError } from './core/errors.js';

/** A file the user asked us to write (results, rejected rows, an audit export) that the system refused. */
export class OutputFileError extends AirtimeError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super('config', `${path} could not be written (${reason}): the journal is not affected — choose another file`);
  }
}

/**
 * An owner-only output file, never written through a symbolic link, whose every failure (a full disk, a device that refuses, EIO) becomes an
 * OutputFileError from `write` or `close`, never an unhandled 'error' event or a blame on the journal.
 */
export class OutputFile {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    // O_NOFOLLOW: a link put at the path after it was checked fails (ELOOP) instead of being written through.
    // fs.open takes numeric flags; @types/node declares the stream option as a string only.
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | noFollow;
    this.stream = createWriteStream(path, { flags: flags as unknown as string, mode: 0o600 });
    this.stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  async write(text: string): Promise<void> {
    this.check();
    if (!this.stream.write(text)) await this.until('drain');
  }

  async close(): Promise<void> {
    this.check();
    this.stream.end();
    await this.until('finish');
  }

  private async until(event: 'drain' | 'finish'): Promise<void> {
    try {
      await once(this.stream, event);
    } catch (error) {
      throw this.wrap(error);
    }
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.wrap(this.failure);
  }

  private wrap(error: unknown): OutputFileError {
    return new OutputFileError(this.path, error instanceof Error ? error.message : String(error));
  }
}
