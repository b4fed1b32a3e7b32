import type { GlobalOptions } from '../global-options.js';
import { ExitCode } from '../core/errors.js';
import { AppContext } from '../transfers/context.js';
import type { IO } from '../ui/io.js';

/**
 * `airtime whoami`: who the journal records as the writer of what you do — on PostgreSQL the login the
 * server authenticated, never a role switched to — and which journal that is. A session the journal would
 * refuse (a role set over the login, a group role) is named, with exit 4.
 */
export default async function whoami(io: IO, options: GlobalOptions): Promise<number> {
  const context = AppContext.open(options);
  try {
    const { journal } = context;
    const { login, role, person } = await journal.identity();
    const refused = role !== login || !person;
    const admin = refused ? false : await journal.isPolicyAdmin();
    if (io.json) {
      io.printJson({
        actor: login,
        ...(role !== login ? { role } : {}),
        ...(refused ? { refused: true } : {}),
        journal: { kind: journal.kind, location: journal.location },
        policyAdmin: admin,
      });
    } else {
      io.out(login);
      if (role !== login) {
        io.err(
          `error: you logged in as ${login} but act as role ${role} (SET ROLE, or options=-c role=… in the journal URL): the journal records ${login} and refuses every write under another role`,
        );
        io.err('hint: remove the role option from the journal URL (or PGOPTIONS) and connect as yourself');
      } else if (!person) {
        io.err(`error: ${login} is a group role (it cannot log in): a group role is never a planner, an approver or a writer of the journal`);
      } else {
        io.err(
          journal.kind === 'postgres'
            ? `journal: PostgreSQL ${journal.location} (shared; you are its login ${login}${admin ? ', a member of airtime_admin: you may change the approval policy' : ''})`
            : `journal: SQLite ${journal.location} (this machine; you are its OS user and host)`,
        );
      }
    }
    return refused ? ExitCode.config : ExitCode.ok;
  } finally {
    await context.close();
  }
}
