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
 * Data folders are private to their owner: they hold who was paid what. Checked again after it is made:
 * a folder someone else created first (or made writable) is refused, not used.
 */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkPrivateFolder(dir);
  return dir;
}
