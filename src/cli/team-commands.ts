import { Option } from 'commander';
import { groups, type Action, type AirtimeCommand } from './command.js';

/** The team commands' declarations: who you are, the policy, four eyes, the audit trail, moving a journal. */
export function registerTeamCommands(program: AirtimeCommand, action: Action): void {
  // ——— team mode: who you are, the approval policy, four eyes, the audit trail, moving a ledger ———

  program
    .command('whoami')
    .helpGroup(groups.team)
    .description('who the journal records you as (the PostgreSQL role, or the OS user and host) and which journal that is')
    .examples(['airtime whoami --json'])
    .action(action(() => import('../commands/whoami.js')));

  const policy = program
    .command('policy')
    .helpCommand(false)
    .helpGroup(groups.team)
    .description("the journal's approval policy: payouts above a threshold need another operator's approval")
    .examples(['airtime policy set approvals.above "50000 KES"', 'airtime policy set approvals.count 2', 'airtime policy show']);

  policy
    .command('set')
    .description('set a policy setting (on PostgreSQL only members of airtime_admin may)')
    .argument('<key>', 'approvals.above (amount and currency, several separated by commas) | approvals.above.<CUR> | approvals.count')
    .argument('<value>', 'e.g. "50000 KES" or 2')
    .examples(['airtime policy set approvals.above "50000 KES"', 'airtime policy set approvals.count 2'])
    .action(action(() => import('../commands/policy.js').then((module) => ({ default: module.policySet }))));

  policy
    .command('unset')
    .description('remove a policy setting (approvals.above removes every threshold)')
    .argument('<key>', 'approvals.above | approvals.above.<CUR> | approvals.count')
    .examples(['airtime policy unset approvals.above.KES'])
    .action(action(() => import('../commands/policy.js').then((module) => ({ default: module.policyUnset }))));

  policy
    .command('show')
    .description('print the approval policy')
    .examples(['airtime policy show --json'])
    .action(action(() => import('../commands/policy.js').then((module) => ({ default: module.policyShow }))));

  program
    .command('approve')
    .helpGroup(groups.team)
    .description("approve a batch waiting for approval, as shown (not your own): it can then be sent with 'bulk --resume'")
    .argument('<batch>', 'batch id (b_…)')
    .option('--note <text>', 'kept with the approval in the audit trail')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime approve b_1a2b3c4d5e6f', 'airtime approve b_1a2b3c4d5e6f --note "checked against payroll" --yes'])
    .action(action(() => import('../commands/approve.js')));

  program
    .command('reject')
    .helpGroup(groups.team)
    .description('reject a batch: its unsent rows are cancelled and never sent')
    .argument('<batch>', 'batch id (b_…)')
    .option('--note <text>', 'why (required; kept in the audit trail)')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime reject b_1a2b3c4d5e6f --note "wrong month" --yes'])
    .action(action(() => import('../commands/approve.js').then((module) => ({ default: module.reject }))));

  const audit = program
    .command('audit')
    .helpCommand(false)
    .helpGroup(groups.team)
    .description('the audit trail: every event hash-chained to the one before it')
    .examples(['airtime audit verify', 'airtime audit head >> ~/airtime-heads.txt', 'airtime audit export --batch b_1a2b3c4d5e6f --format csv > audit.csv']);

  audit
    .command('verify')
    .description('recompute the hash chain and check every transfer against its events; names the first break (exit 1)')
    .option('--head <count:hash>', "also check that the chain contains a head printed earlier by 'airtime audit head' (a deleted tail is caught)")
    .examples(['airtime audit verify', 'airtime audit verify --head "$(tail -1 ~/airtime-heads.txt)"'])
    .action(action(() => import('../commands/audit.js').then((module) => ({ default: module.auditVerify }))));

  audit
    .command('head')
    .description('print the chain head (event count and last hash) to keep elsewhere: audit verify --head checks the chain still contains it')
    .examples(['airtime audit head', 'airtime audit head --json'])
    .action(action(() => import('../commands/audit.js').then((module) => ({ default: module.auditHead }))));

  audit
    .command('export')
    .description('write who planned, approved and sent, what providers answered, callbacks and operator decisions')
    .option('--batch <id>', 'only the events of one batch')
    .option('--since <date>', 'only events from this date or time on (e.g. 2026-11-01)')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .examples(['airtime audit export --batch b_1a2b3c4d5e6f --format csv > audit.csv', 'airtime audit export --since 2026-11-01 --format json'])
    .action(action(() => import('../commands/audit.js').then((module) => ({ default: module.auditExport }))));

  const journal = program
    .command('journal')
    .helpCommand(false)
    .helpGroup(groups.team)
    .description('the journal itself')
    .examples(['airtime journal migrate --to postgres://alice@db.example:5432/airtime']);

  journal
    .command('migrate')
    .description("copy this machine's SQLite journal into a shared PostgreSQL journal (idempotent, verified)")
    .option('--to <url>', 'postgres://role@host:5432/database (default: the configured journal)')
    .option('--from <file>', "the SQLite journal to copy (default: this profile's data folder)")
    .examples(['airtime journal migrate --to postgres://alice@db.example:5432/airtime'])
    .action(action(() => import('../commands/journal-migrate.js')));
}
