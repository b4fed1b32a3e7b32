import type { GlobalOptions } from '../cli.js';
import { displaySetting, parseSettingKey, readSetting } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';

export default function configGet(io: IO, key: string, options: GlobalOptions): number {
  const parsed = parseSettingKey(key);
  const store = new ConfigStore(airtimePaths());
  const profileName = options.profile ?? process.env.AIRTIME_PROFILE ?? store.activeProfileName();
  const value = parsed.kind === 'journal' ? store.journalUrl() : readSetting(store.profile(profileName) ?? {}, parsed);
  if (io.json) io.printJson({ profile: profileName, key: parsed.key, value: value === undefined ? null : displaySetting(parsed, value) });
  else io.out(displaySetting(parsed, value));
  return value === undefined ? ExitCode.failed : ExitCode.ok;
}
