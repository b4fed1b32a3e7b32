import type { GlobalOptions } from '../cli.js';
import { isInsecureRemote } from '../config/base-url.js';
import { checkGlobalSetting, displaySetting, parseSettingKey, writeSetting } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode, usageError } from '../core/errors.js';
import type { IO } from '../ui/io.js';
import { promptSecret, readStdin } from '../ui/secret-input.js';

interface SetOptions extends GlobalOptions {
  stdin?: boolean;
}

export default async function configSet(io: IO, key: string, value: string | undefined, options: SetOptions): Promise<number> {
  const parsed = parseSettingKey(key);
  const store = new ConfigStore(airtimePaths());
  const profileName = options.profile ?? process.env.AIRTIME_PROFILE ?? store.activeProfileName();
  let text = value;
  if (options.stdin) text = await readStdin();
  else if (text === undefined && parsed.secret) text = await promptSecret(io, parsed.key);
  if (text === undefined) throw usageError(`config set ${parsed.key} needs a value`);
  if (parsed.kind === 'journal') {
    const url = checkGlobalSetting(parsed, text);
    if (value !== undefined && new URL(url).password) {
      io.err(`warning: a password in an argument stays in your shell history; prefer a URL without one and PGPASSWORD, or --stdin`);
    }
    await store.setJournalUrl(url);
    const shown = displaySetting(parsed, url);
    if (io.json) io.printJson({ key: 'journal', value: shown, scope: 'global' });
    else io.err(`journal = ${shown} (every profile: one shared ledger)`);
    return ExitCode.ok;
  }
  if (value !== undefined && parsed.secret) {
    io.err(`warning: a secret given as an argument stays in your shell history; prefer 'airtime config set ${parsed.key}' (prompt) or --stdin`);
  }
  const profile = writeSetting(store.profile(profileName) ?? {}, parsed, text);
  await store.saveProfile(profileName, profile);
  if (parsed.key === 'base-url' && profile.baseUrl && isInsecureRemote(profile.baseUrl) && profile.allowInsecureHttp !== 'true') {
    io.err(
      `warning: ${profile.baseUrl} is plain http:// to another machine: commands will refuse it (credentials would cross the network unencrypted) unless you run 'airtime config set allow-insecure-http true --profile ${profileName}'`,
    );
  }
  const shown = displaySetting(parsed, parsed.kind === 'setting' && !parsed.secret ? text.trim() : text);
  if (io.json) io.printJson({ profile: profileName, key: parsed.key, value: shown });
  else io.err(`${parsed.key} = ${shown} (profile ${profileName})`);
  return ExitCode.ok;
}
