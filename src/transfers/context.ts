import { accountFor } from '../config/account.js';
import { redact } from '../config/mask.js';
import { airtimePaths } from '../config/paths.js';
import { resolveSettings, settingSecrets, type SettingFlags, type Settings } from '../config/settings.js';
import { accountMatches, describeAccount, type Account } from '../core/account.js';
import { configError } from '../core/errors.js';
import type { Journal } from '../journal/journal.js';
import { openJournal } from '../journal/open.js';
import type { Transfer } from '../journal/transfer.js';
import { diagnosticsOncePerRun, silentDiagnostics, type ProviderDiagnostics } from '../providers/diagnostics.js';
import type { Provider } from '../providers/provider.js';
import { createProvider } from '../providers/registry.js';

/** A provider adapter bound to one account, with the settings it was built from. */
export interface AccountProvider {
  readonly account: Account;
  readonly settings: Settings;
  readonly provider: Provider;
}

/**
 * What a command that moves money works with: the active settings (for new transfers), the journal and,
 * on first use, one provider per account. A transfer already journaled is always handled through its own
 * account, rebuilt from its profile — never through whichever account is active now.
 */
export class AppContext {
  private journalInstance: Journal | undefined;
  private readonly providers = new Map<string, Promise<AccountProvider>>();
  private readonly secretSet = new Set<string>();
  private readonly diagnostics: ProviderDiagnostics;

  constructor(
    readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
    warn?: (line: string) => void,
  ) {
    for (const secret of settingSecrets(settings)) this.secretSet.add(secret);
    // What adapters could not read is said once per run, secrets removed: the money module never prints itself.
    this.diagnostics = warn ? diagnosticsOncePerRun((line) => warn(`note: ${line}`), { redact: (line) => redact(line, this.secrets) }) : silentDiagnostics;
  }

  /** `warn` receives the providers' notes (answers they could not read, hosts they fell back to), once each. */
  static open(flags: SettingFlags, options: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void } = {}): AppContext {
    const env = options.env ?? process.env;
    return new AppContext(resolveSettings(airtimePaths(env), flags, env), env, options.warn);
  }

  /** The account new transfers go to. */
  get account(): Account {
    return accountFor(this.settings);
  }

  /** The journal the settings name (SQLite file or PostgreSQL); a PostgreSQL journal connects on its first statement. */
  get journal(): Journal {
    this.journalInstance ??= openJournal(this.settings.journal);
    return this.journalInstance;
  }

  /** The active account's provider. */
  async provider(): Promise<Provider> {
    return (await this.activeProvider()).provider;
  }

  async activeProvider(): Promise<AccountProvider> {
    return this.build(this.account, this.settings);
  }

  /**
   * The provider of the account a transfer (or batch) was journaled for. Refuses when its profile now
   * points somewhere else: asking the wrong account "not found" is how people get paid twice.
   */
  async providerFor(owner: Pick<Transfer, 'account' | 'provider' | 'profile'>): Promise<AccountProvider> {
    const active = this.account;
    if (accountMatches(owner.account, active)) return this.build(active, this.settings);
    const settings = resolveSettings(this.settings.paths, { profile: owner.profile, provider: owner.provider }, this.env);
    const account = accountFor(settings);
    if (!accountMatches(owner.account, account)) {
      throw configError(
        `${describeAccount(owner)} now points at ${account.endpoint}${account.principal ? ` as ${account.principal}` : ''}, not at the account this was journaled for (${owner.account}): ` +
          `restore that profile's base URL and username (or the environment it ran with) to reach it`,
      );
    }
    return this.build(account, settings);
  }

  /** Every secret of every account used so far, for redaction of raw payloads. */
  get secrets(): string[] {
    return [...this.secretSet];
  }

  async close(): Promise<void> {
    for (const entry of this.providers.values()) {
      const built = await entry.catch(() => undefined);
      await built?.provider.close();
    }
    await this.journalInstance?.close();
  }

  private build(account: Account, settings: Settings): Promise<AccountProvider> {
    let entry = this.providers.get(account.id);
    if (!entry) {
      for (const secret of settingSecrets(settings)) this.secretSet.add(secret);
      entry = createProvider(settings, this.env, this.diagnostics).then((provider) => ({ account, settings, provider }));
      // A failed build (missing credentials) is not cached: the next call reports it again.
      void entry.catch(() => this.providers.delete(account.id));
      this.providers.set(account.id, entry);
    }
    return entry;
  }
}

/** Transfers by the account they were journaled for, in their order: each is asked about through its own account. */
export function groupByAccount(transfers: readonly Transfer[]): Transfer[][] {
  const groups = new Map<string, Transfer[]>();
  for (const transfer of transfers) {
    const group = groups.get(transfer.account);
    if (group) group.push(transfer);
    else groups.set(transfer.account, [transfer]);
  }
  return [...groups.values()];
}
