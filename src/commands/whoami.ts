import type { GlobalOptions } from '../cli.js';
import { ExitCode } from '../core/errors.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';

/** `airtime whoami`: who the journal records as the writer of what you do, and which journal that is. */
export default async function whoami(io: IO, options: GlobalOptions): Promise<number> {
  const context = AppContext.open(options);
  try {
    const { journal } = context;
    const actor = await journal.whoami();
    const admin = await journal.isPolicyAdmin();
    if (io.json) {
      io.printJson({ actor, journal: { kind: journal.kind, location: journal.location }, policyAdmin: admin });
      return ExitCode.ok;
    }
    io.out(actor);
    io.err(
      journal.kind === 'postgres'
        ? `journal: PostgreSQL ${journal.location} (shared; you are its role ${actor}${admin ? ', a member of airtime_admin: you may change the approval policy' : ''})`
        : `journal: SQLite ${journal.location} (this machine; you are its OS user and host)`,
    );
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
