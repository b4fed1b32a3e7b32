import { airtimePaths } from '../config/paths.js';
import { resolveSettings, settingSecrets, type SettingFlags, type Settings } from '../config/settings.js';
import { BatchStore } from '../journal/batches.js';
import { Journal } from '../journal/journal.js';
import type { Provider } from '../providers/provider.js';
import { createProvider } from '../providers/registry.js';

/** What a command that moves money works with: settings, the journal and, on first use, the provider. */
export class AppContext {
  private providerPromise: Promise<Provider> | undefined;
  private journalInstance: Journal | undefined;
  private secretList: string[] | undefined;
  private batchStore: BatchStore | undefined;

  constructor(
    readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static open(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): AppContext {
    return new AppContext(resolveSettings(airtimePaths(env), flags, env), env);
  }

  get journal(): Journal {
    this.journalInstance ??= Journal.open(this.settings.paths.journalFile);
    return this.journalInstance;
  }

  get batches(): BatchStore {
    this.batchStore ??= new BatchStore(this.journal.db);
    return this.batchStore;
  }

  provider(): Promise<Provider> {
    this.providerPromise ??= createProvider(this.settings, this.env);
    return this.providerPromise;
  }

  get secrets(): string[] {
    this.secretList ??= settingSecrets(this.settings);
    return this.secretList;
  }

  async close(): Promise<void> {
    if (this.providerPromise) await (await this.providerPromise).close();
    this.journalInstance?.close();
  }
}
