import type { GlobalOptions } from '../global-options.js';
import { configError, ExitCode } from '../core/errors.js';
import { formatMinor } from '../core/money.js';
import { AppContext } from '../transfers/context.js';
import { policyChange, policyLines, policyRemoval, readPolicy } from '../transfers/policy.js';
import type { IO } from '../ui/io.js';

/** The policy as JSON: thresholds per currency in decimal, and the count. */
function policyJson(stored: Record<string, string>) {
  const policy = readPolicy(stored);
  return {
    approvalsCount: policy.count,
    approvalsAbove: Object.fromEntries(Object.entries(policy.above).map(([currency, minor]) => [currency, formatMinor(minor, currency)])),
  };
}

async function change(io: IO, options: GlobalOptions, changes: (stored: Record<string, string>) => Record<string, string | null>): Promise<number> {
  const context = AppContext.open(options);
  try {
    const { journal } = context;
    if (!(await journal.isPolicyAdmin())) {
      throw configError(
        `${await journal.whoami()} may not change the approval policy of ${journal.location}: only members of airtime_admin may`,
        'ask an admin to run it, or to GRANT airtime_admin TO you',
      );
    }
    const wanted = changes(await journal.policy());
    if (Object.keys(wanted).length) await journal.setPolicy(wanted);
    const stored = await journal.policy();
    if (io.json) io.printJson({ policy: policyJson(stored), by: await journal.whoami() });
    else for (const line of policyLines(readPolicy(stored))) io.err(line);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}

/** `airtime policy set approvals.above "50000 KES"` / `approvals.count N`: one policy per journal, recorded in its audit trail. */
export function policySet(io: IO, key: string, value: string, options: GlobalOptions): Promise<number> {
  const wanted = policyChange(key, value);
  return change(io, options, () => wanted);
}

/** `airtime policy unset approvals.above[.CUR]|approvals.count`. */
export function policyUnset(io: IO, key: string, options: GlobalOptions): Promise<number> {
  return change(io, options, (stored) => policyRemoval(key, stored));
}

/** `airtime policy show`. */
export async function policyShow(io: IO, options: GlobalOptions): Promise<number> {
  const context = AppContext.open(options);
  try {
    const stored = await context.journal.policy();
    if (io.json) io.printJson({ policy: policyJson(stored) });
    else for (const line of policyLines(readPolicy(stored))) io.out(line);
    return ExitCode.ok;
  } finally {
    await context.close();
  }
}
