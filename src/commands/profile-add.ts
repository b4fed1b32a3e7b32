import type { GlobalOptions } from '../global-options.js';
import { parseSettingKey, writeSetting } from '../config/edit.js';
import { airtimePaths } from '../config/paths.js';
import type { Profile } from '../config/schema.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode, usageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { isProviderName, providerNames } from '../providers/names.js';
import type { IO } from '../ui/io.js';
import { profileRows } from '../config/edit.js';

interface AddOptions extends GlobalOptions {
  country?: string;
  currency?: string;
  baseUrl?: string;
  username?: string;
  apiKey?: string;
  consumerKey?: string;
  consumerSecret?: string;
  webhookSecret?: string;
  campaignSecret?: string;
  retryHours?: string;
  use?: boolean;
  force?: boolean;
}

const flagSettings = [
  ['country', 'country'],
  ['currency', 'currency'],
  ['baseUrl', 'base-url'],
  ['username', 'username'],
  ['apiKey', 'api-key'],
  ['consumerKey', 'consumer-key'],
  ['consumerSecret', 'consumer-secret'],
  ['webhookSecret', 'webhook-secret'],
  ['campaignSecret', 'campaign-secret'],
  ['retryHours', 'retry-hours'],
] as const;

const providerQuestions: Record<string, readonly string[]> = {
  sandbox: [],
  africastalking: ['username', 'api-key'],
  lipad: ['consumer-key', 'consumer-secret'],
  zw: ['api-key', 'webhook-secret', 'campaign-secret'],
};

export default async function profileAdd(io: IO, name: string, options: AddOptions): Promise<number> {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) throw usageError(`profile name "${name}" may only hold letters, digits, _ and - (at most 40)`);
  if (options.provider !== undefined && !isProviderName(options.provider)) {
    throw usageError(`provider "${options.provider}" is not known${didYouMean(options.provider, providerNames)}: choose ${providerNames.join(', ')}`);
  }
  const store = new ConfigStore(airtimePaths());
  if (store.profile(name) && !options.force) {
    throw usageError(
      `profile "${name}" exists: add --force to replace it (credentials and all), or change one setting with 'airtime config set KEY VALUE --profile ${name}'`,
    );
  }
  let profile: Profile = {};
  const interactive = options.provider === undefined && io.stdinIsTTY && io.stderrIsTTY;
  if (interactive) {
    profile = await ask(profile);
  } else {
    profile = writeSetting(profile, parseSettingKey('provider'), options.provider ?? 'sandbox');
    for (const [flag, key] of flagSettings) {
      const value = options[flag];
      if (value === undefined) continue;
      const parsed = parseSettingKey(key);
      if (parsed.secret)
        io.err(`warning: --${key} puts a secret in your shell history; prefer 'airtime config set ${key} --profile ${name}' (prompt) or the environment`);
      profile = writeSetting(profile, parsed, value);
    }
  }
  await store.saveProfile(name, profile);
  if (options.use) await store.setActiveProfile(name);
  if (io.json) io.printJson({ profile: name, active: store.activeProfileName() === name, settings: Object.fromEntries(profileRows(profile)) });
  else
    io.err(
      `profile ${name} saved (${profile.provider ?? 'sandbox'})${options.use ? ' and in use' : `; use it with --profile ${name} or 'airtime profile use ${name}'`}`,
    );
  return ExitCode.ok;
}

async function ask(start: Profile): Promise<Profile> {
  const { select, input, password } = await import('@inquirer/prompts');
  const output = { output: process.stderr };
  const provider = await select({ message: 'Provider', choices: providerNames.map((value) => ({ value, name: value })) }, output);
  let profile = writeSetting(start, parseSettingKey('provider'), provider);
  for (const key of providerQuestions[provider] ?? []) {
    const parsed = parseSettingKey(key);
    const value = parsed.secret ? await password({ message: key, mask: '•' }, output) : await input({ message: key }, output);
    if (value.trim()) profile = writeSetting(profile, parsed, value);
  }
  const country = await input({ message: 'Default country for local numbers (e.g. KE, blank for none)' }, output);
  if (country.trim()) profile = writeSetting(profile, parseSettingKey('country'), country);
  if (provider !== 'sandbox') {
    const baseUrl = await input({ message: "Base URL override (blank for the provider's own)" }, output);
    if (baseUrl.trim()) profile = writeSetting(profile, parseSettingKey('base-url'), baseUrl);
  }
  return profile;
}
