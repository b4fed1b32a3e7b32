import type { GlobalOptions } from '../cli.js';
import { airtimePaths } from '../config/paths.js';
import { ConfigStore } from '../config/store.js';
import { ExitCode } from '../core/errors.js';
import type { IO } from '../ui/io.js';
import { printTable } from '../ui/table.js';

export default function profileList(io: IO, _options: GlobalOptions): number {
  const store = new ConfigStore(airtimePaths());
  const active = store.activeProfileName();
  const profiles = Object.entries(store.profiles()).map(([name, profile]) => ({
    name,
    active: name === active,
    provider: profile.provider ?? 'sandbox',
    country: profile.country ?? null,
    baseUrl: profile.baseUrl ?? null,
  }));
  if (io.json) {
    io.printJson({ active, profiles });
    return ExitCode.ok;
  }
  if (profiles.length === 0) {
    io.err(`no profiles yet: the sandbox is used. Add one with 'airtime profile add <name> --provider africastalking'`);
    return ExitCode.ok;
  }
  printTable(
    io,
    ['', 'profile', 'provider', 'country', 'base url'],
    profiles.map((p) => [p.active ? '*' : '', p.name, p.provider, p.country ?? '', p.baseUrl ?? '']),
  );
  return ExitCode.ok;
}
