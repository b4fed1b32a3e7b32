import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPrivateEntry } from '../config/private-files.js';
import { isProviderName, type ProviderName } from '../providers/names.js';

/** One callback the journal could not take, as it arrived (its signature already checked). */
export interface SpooledCallback {
  readonly version: 1;
  readonly provider: ProviderName;
  readonly receivedAt: string;
  readonly contentType: string | null;
  /** The raw body, base64: kept byte for byte. */
  readonly body: string;
  /** Why the journal refused it. */
  readonly reason: string;
  /** The accounts the listener that took it spoke for: the replay matches within them, as it would have. */
  readonly accounts: readonly string[];
  /** Nothing authenticated it when it was taken (no path token on an unsigned route): replayed as such. */
  readonly unauthenticated?: boolean | undefined;
}

export interface SpoolEntry {
  readonly file: string;
  /** Undefined when the file cannot be read as a spooled callback (it is left where it is). */
  readonly callback: SpooledCallback | undefined;
}

/**
 * Callbacks that could not be journaled wait here until a listener starts and replays them. One file per
 * callback, written whole under a temporary name, fsynced and renamed into place (then the folder fsynced):
 * a crash leaves a callback whole or absent, never half a line, and listeners writing at once need no lock.
 * The folder is its owner's only (0700, files 0600): callbacks name phones and amounts.
 */
export class CallbackSpool {
  constructor(readonly dir: string) {}

  static in(dataDir: string): CallbackSpool {
    return new CallbackSpool(join(dataDir, 'callback-spool'));
  }

  /** Keeps a callback on disk before it is acknowledged; throws when even that fails. */
  async append(callback: SpooledCallback): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${randomBytes(6).toString('hex')}.json`;
    const temporary = join(this.dir, `.${name}.tmp`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(callback)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(this.dir, name));
    const folder = await open(this.dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  /** Spooled callbacks, oldest first. */
  async entries(): Promise<SpoolEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: SpoolEntry[] = [];
    for (const name of names.filter((entry) => /^\d{15}-.+\.json$/.test(entry)).sort()) {
      const file = join(this.dir, name);
      // A callback replayed from here is trusted as already verified: only the user's own files are.
      checkPrivateEntry(file);
      entries.push({ file, callback: parseSpooled(await readFile(file, 'utf8').catch(() => '')) });
    }
    return entries;
  }

  async remove(file: string): Promise<void> {
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      // Another listener replaying at the same moment removed it first: the journal has it once either way.
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

function parseSpooled(text: string): SpooledCallback | undefined {
  try {
    const value = JSON.parse(text) as Partial<SpooledCallback>;
    if (value.version !== 1 || typeof value.provider !== 'string' || !isProviderName(value.provider) || typeof value.body !== 'string') return undefined;
    return {
      version: 1,
      provider: value.provider,
      receivedAt: typeof value.receivedAt === 'string' ? value.receivedAt : '',
      contentType: typeof value.contentType === 'string' ? value.contentType : null,
      body: value.body,
      reason: typeof value.reason === 'string' ? value.reason : '',
      accounts: Array.isArray(value.accounts) ? value.accounts.filter((account): account is string => typeof account === 'string') : [],
      unauthenticated: typeof value.unauthenticated === 'boolean' ? value.unauthenticated : undefined,
    };
  } catch {
    return undefined;
  }
}
