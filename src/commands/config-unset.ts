import type { GlobalOptions } from '../global-options.js';
import { parseSettingKey, removeSetting } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';

export default async function configUnset(io: IO, key: string, options: GlobalOptions): Promise<number> {
  const parsed = parseSettingKey(key);
  const store = new ConfigStore(airtimePaths());
  if (parsed.kind === 'journal') {
    await store.setJournalUrl(undefined);
    if (io.json) io.printJson({ key: 'journal', value: null, scope: 'global' });
    else io.err('journal removed: back to the embedded SQLite journal');
    return ExitCode.ok;
  }
  const profileName = options.profile ?? process.env.AIRTIME_PROFILE ?? store.activeProfileName();
  await store.saveProfile(profileName, removeSetting(store.profile(profileName) ?? {}, parsed));
  if (io.json) io.printJson({ profile: profileName, key: parsed.key, value: null });
  else io.err(`${parsed.key} removed (profile ${profileName})`);
  return ExitCode.ok;
}
