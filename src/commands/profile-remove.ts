import type { GlobalOptions } from '../global-options.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { configError, ExitCode } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { confirmOrExit } from '../ui/confirm.js';
import type { IO } from '../ui/io.js';

export default async function profileRemove(io: IO, name: string, options: GlobalOptions & { yes?: boolean }): Promise<number> {
  const store = new ConfigStore(airtimePaths());
  if (!store.profile(name)) {
    throw configError(
      name === 'default'
        ? 'profile default has nothing saved (it is the embedded sandbox): nothing to remove'
        : `profile "${name}" does not exist${didYouMean(name, Object.keys(store.profiles()))}: list them with 'airtime profile list'`,
    );
  }
  await confirmOrExit(io, `Remove profile ${name} and its credentials?`, { yes: options.yes });
  await store.removeProfile(name);
  if (io.json) io.printJson({ removed: name });
  else io.err(`profile ${name} removed`);
  return ExitCode.ok;
}
