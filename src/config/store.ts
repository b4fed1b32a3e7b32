import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import { configError } from '../core/errors.js';
import { ensureDir, type AirtimePaths } from './paths.js';
import type { ConfigFile, Profile } from './schema.js';

export const defaultProfileName = 'default';

/**
 * The config file: named profiles and which one is active. Owner-only (0600): it holds credentials.
 * Writes go through conf (atomic, owner-only). Reads, which every command does, parse the same JSON file
 * directly: loading conf and its schema validator costs about 100 ms of every start-up, and a read needs
 * none of it.
 */
export class ConfigStore {
  readonly path: string;
  private cached: ConfigFile | undefined;

  constructor(private readonly paths: AirtimePaths) {
    this.path = join(paths.configDir, 'config.json');
  }

  activeProfileName(): string {
    return this.read().activeProfile ?? defaultProfileName;
  }

  async setActiveProfile(name: string): Promise<void> {
    (await this.writer()).set('activeProfile', name);
  }

  /** The shared journal's URL: global, not per profile — one ledger is shared whichever provider account pays. */
  journalUrl(): string | undefined {
    return this.read().journal;
  }

  async setJournalUrl(url: string | undefined): Promise<void> {
    const conf = await this.writer();
    if (url === undefined) conf.delete('journal');
    else conf.set('journal', url);
  }

  profiles(): Record<string, Profile> {
    return this.read().profiles ?? {};
  }

  profile(name: string): Profile | undefined {
    return this.profiles()[name];
  }

  async saveProfile(name: string, profile: Profile): Promise<void> {
    (await this.writer()).set('profiles', { ...this.profiles(), [name]: profile });
  }

  async removeProfile(name: string): Promise<boolean> {
    const all = this.profiles();
    if (!Object.hasOwn(all, name)) return false;
    const { [name]: _removed, ...rest } = all;
    const conf = await this.writer();
    conf.set('profiles', rest);
    if (this.activeProfileName() === name) conf.delete('activeProfile');
    return true;
  }

  private read(): ConfigFile {
    if (this.cached) return this.cached;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return (this.cached = {});
      throw configError(`the config file ${this.path} cannot be read (${(error as Error).message}): check its permissions`);
    }
    try {
      return (this.cached = (text.trim() === '' ? {} : JSON.parse(text)) as ConfigFile);
    } catch {
      throw configError(`the config file ${this.path} is not valid JSON: fix it, or move it away to start again`);
    }
  }

  private async writer(): Promise<Conf<ConfigFile>> {
    const { default: ConfImpl } = await import('conf');
    this.cached = undefined;
    return new ConfImpl<ConfigFile>({ projectName: 'airtime', cwd: ensureDir(this.paths.configDir), configName: 'config', configFileMode: 0o600 });
  }
}
