import type { GlobalOptions } from '../global-options.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore, defaultProfileName } from '../config/store.js';
import { configError, ExitCode } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { IO } from '../ui/io.js';

export default async function profileUse(io: IO, name: string, _options: GlobalOptions): Promise<number> {
  const store = new ConfigStore(airtimePaths());
  // `default` always exists: with nothing saved it is the embedded sandbox.
  if (!store.profile(name) && name !== defaultProfileName) {
    throw configError(
      `profile "${name}" does not exist${didYouMean(name, [defaultProfileName, ...Object.keys(store.profiles())])}: list them with 'airtime profile list'`,
    );
  }
  await store.setActiveProfile(name);
  if (io.json) io.printJson({ active: name });
  else io.err(`now using profile ${name}`);
  return ExitCode.ok;
}
