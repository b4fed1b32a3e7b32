import type { GlobalOptions } from '../global-options.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore, defaultProfileName } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';

/** Every profile, `default` included even with nothing saved (it is then the embedded sandbox). */
export default async function profileList(io: IO, _options: GlobalOptions): Promise<number> {
  const store = new ConfigStore(airtimePaths());
  const active = store.activeProfileName();
  const saved = store.profiles();
  const names = Object.hasOwn(saved, defaultProfileName) ? Object.keys(saved) : [defaultProfileName, ...Object.keys(saved)];
  const profiles = names.map((name) => {
    const profile = saved[name];
    return {
      name,
      active: name === active,
      saved: profile !== undefined,
      provider: profile?.provider ?? 'sandbox',
      country: profile?.country ?? null,
      baseUrl: profile?.baseUrl ?? null,
    };
  });
  if (io.json) {
    io.printJson({ active, profiles });
    return ExitCode.ok;
  }
  await printTable(
    io,
    ['', 'profile', 'provider', 'country', 'base url'],
    profiles.map((p) => [p.active ? '*' : '', p.name, p.saved ? p.provider : `${p.provider} (built in)`, p.country ?? '', p.baseUrl ?? '']),
  );
  if (Object.keys(saved).length === 0) io.err(`add a real provider with 'airtime profile add <name> --provider africastalking'`);
  return ExitCode.ok;
}
