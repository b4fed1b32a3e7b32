import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { checkPrivateFolder } from './private-files.js';

export interface AirtimePaths {
  readonly configDir: string;
  readonly dataDir: string;
  readonly journalFile: string;
  readonly sandboxFile: string;
}

/** `AIRTIME_HOME` holds everything when set (tests always set it); otherwise the platform's folders. */
export function airtimePaths(env: NodeJS.ProcessEnv = process.env): AirtimePaths {
  const home = env.AIRTIME_HOME?.trim();
  const platform = envPaths('airtime', { suffix: '' });
  const configDir = home || platform.config;
  const dataDir = home || platform.data;
  return {
    configDir,
    dataDir,
    journalFile: join(dataDir, 'journal.db'),
    sandboxFile: join(dataDir, 'sandbox.db'),
  };
}

/**
 * Data folders are private to their owner: they hold who was paid what. Made 0700, then checked: a folder
 * another user created first (between the start-up check and here, or a `--from` file's folder) is refused.
 * Its write bits were checked at start-up for the data folder itself (src/cli.ts); for another folder
 * holding a file we open (a journal given with --from), ownership is what matters — a user's own
 * ~/Downloads may well be 0775 under umask 002.
 */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivateFolder(dir, undefined, false);
  return dir;
}
