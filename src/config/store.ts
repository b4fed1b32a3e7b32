import Conf from 'conf';
import { ensureDir, type AirtimePaths } from './paths.js';
import type { ConfigFile, Profile } from './schema.js';

export const defaultProfileName = 'default';

/** The config file: named profiles and which one is active. Owner-only (0600): it holds credentials. */
export class ConfigStore {
  private readonly conf: Conf<ConfigFile>;

  constructor(paths: AirtimePaths) {
    this.conf = new Conf<ConfigFile>({
      projectName: 'airtime',
      cwd: ensureDir(paths.configDir),
      configName: 'config',
      configFileMode: 0o600,
    });
  }

  get path(): string {
    return this.conf.path;
  }

  activeProfileName(): string {
    return this.conf.get('activeProfile') ?? defaultProfileName;
  }

  setActiveProfile(name: string): void {
    this.conf.set('activeProfile', name);
  }

  /** The shared journal's URL: global, not per profile — one ledger is shared whichever provider account pays. */
  journalUrl(): string | undefined {
    return this.conf.get('journal');
  }

  setJournalUrl(url: string | undefined): void {
    if (url === undefined) this.conf.delete('journal');
    else this.conf.set('journal', url);
  }

  profiles(): Record<string, Profile> {
    return this.conf.get('profiles') ?? {};
  }

  profile(name: string): Profile | undefined {
    return this.profiles()[name];
  }

  saveProfile(name: string, profile: Profile): void {
    this.conf.set('profiles', { ...this.profiles(), [name]: profile });
  }

  removeProfile(name: string): boolean {
    const all = this.profiles();
    if (!Object.hasOwn(all, name)) return false;
    const { [name]: _removed, ...rest } = all;
    this.conf.set('profiles', rest);
    if (this.activeProfileName() === name) this.conf.delete('activeProfile');
    return true;
  }
}
