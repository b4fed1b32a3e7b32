import type { GlobalOptions } from '../global-options.js';
import { isInsecureRemote } from '../config/base-url.js';
import { unusedCredential } from '../config/credentials-check.js';
import { airtimeCommand, setProfileInForce } from '../config/in-force.js';
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
  const bare = process.env.AIRTIME_PROFILE ?? store.activeProfileName();
  const profileName = options.profile ?? bare;
  setProfileInForce(options.profile, bare);
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
    io.err(
      `warning: a secret given as an argument stays in your shell history; prefer '${airtimeCommand(`config set ${parsed.key}`, 'setting')}' (prompt) or --stdin`,
    );
  }
  const before = store.profile(profileName);
  const profile = writeSetting(before ?? {}, parsed, text);
  await store.saveProfile(profileName, profile);
  // A credential its provider does not read (an api-key on the sandbox profile) is saved but fixes nothing: say where it belongs.
  const provider = before?.provider ?? 'sandbox';
  if (unusedCredential(provider, parsed.key)) {
    const others = Object.entries(store.profiles())
      .filter(([name, profile]) => name !== profileName && !unusedCredential(profile.provider ?? 'sandbox', parsed.key))
      .map(([name]) => name);
    const where = others.length
      ? `for ${others.map((name) => `profile ${name}`).join(' or ')} run 'airtime config set ${parsed.key} --profile ${others[0] ?? ''}'`
      : "a profile for the provider that needs it: 'airtime profile add <name> --provider <provider>'";
    io.err(`warning: profile ${profileName} is for ${provider}, which does not use ${parsed.key}: ${where}`);
  }
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
