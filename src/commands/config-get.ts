import type { GlobalOptions } from '../global-options.js';
import { airtimeCommand, setProfileInForce } from '../config/in-force.js';
import { defaultSetting, displaySetting, parseSettingKey, readSetting } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';

/**
 * One setting of the profile on stdout (secrets masked). A setting the profile leaves out prints its
 * default (and says so on stderr); one with no default prints nothing and exits 1, as `git config` does.
 */
export default function configGet(io: IO, key: string, options: GlobalOptions): number {
  const parsed = parseSettingKey(key);
  const store = new ConfigStore(airtimePaths());
  const bare = process.env.AIRTIME_PROFILE ?? store.activeProfileName();
  const profileName = options.profile ?? bare;
  setProfileInForce(options.profile, bare);
  const profile = store.profile(profileName) ?? {};
  const own = parsed.kind === 'journal' ? store.journalUrl() : readSetting(profile, parsed);
  const fallback = own === undefined ? defaultSetting(profile, parsed) : undefined;
  const value = own ?? fallback;
  const source = own !== undefined ? 'profile' : fallback !== undefined ? 'default' : null;
  if (io.json) {
    io.printJson({ profile: profileName, key: parsed.key, value: value === undefined ? null : displaySetting(parsed, value), source });
  } else if (value !== undefined) {
    io.out(displaySetting(parsed, value));
    if (source === 'default') io.err(`(the default: profile ${profileName} does not set ${parsed.key})`);
  } else {
    io.err(
      `${parsed.key} is not set in profile ${profileName} and has no default: '${airtimeCommand(`config set ${parsed.key}${parsed.secret ? '' : ' VALUE'}`, 'setting')}' sets it`,
    );
  }
  return value === undefined ? ExitCode.failed : ExitCode.ok;
}
