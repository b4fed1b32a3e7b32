import type { GlobalOptions } from '../global-options.js';
import { profileRows } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import { resolveSettings } from '../config/settings.js';
import { maskJournalUrl } from '../config/journal-url.js';
import { maskSecret } from '../config/mask.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';

export default async function configList(io: IO, options: GlobalOptions): Promise<number> {
  const paths = airtimePaths();
  const settings = resolveSettings(paths, options);
  const store = new ConfigStore(paths);
  const rows = profileRows(store.profile(settings.profileName) ?? {});
  const effective = {
    profile: settings.profileName,
    provider: settings.provider,
    baseUrl: settings.baseUrl ?? null,
    username: settings.credentials.username ?? null,
    apiKey: settings.credentials.apiKey ? maskSecret(settings.credentials.apiKey) : null,
    consumerKey: settings.credentials.consumerKey ?? null,
    consumerSecret: settings.credentials.consumerSecret ? maskSecret(settings.credentials.consumerSecret) : null,
    webhookSecret: settings.credentials.webhookSecret ? maskSecret(settings.credentials.webhookSecret) : null,
    journal: settings.journal.kind === 'sqlite' ? settings.journal.file : maskJournalUrl(settings.journal.url),
    campaignSecret: settings.credentials.campaignSecret ? maskSecret(settings.credentials.campaignSecret) : null,
    retryHours: settings.retryHours ?? null,
    configFile: store.path,
    dataDir: paths.dataDir,
  };
  if (io.json) {
    io.printJson({ profile: settings.profileName, settings: Object.fromEntries(rows), effective });
    return ExitCode.ok;
  }
  io.err(`profile ${settings.profileName} · config ${store.path}`);
  await printTable(io, ['key', 'value'], rows.length ? rows : [['provider', 'sandbox (default)']]);
  io.err(`effective provider: ${settings.provider} (flags > environment > profile > defaults)`);
  io.err(`journal: ${effective.journal}${settings.journal.kind === 'postgres' ? ' (shared, every profile)' : ''}`);
  return ExitCode.ok;
}
