import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { allSettingKeys } from './config/schema.js';
import { ExitCode, isAirtimeError, usageError } from './core/errors.js';
import { didYouMean, notAChoice } from './core/suggest.js';
import { transferStates } from './core/transfer-state.js';
import type { GlobalOptions } from './global-options.js';
import { commandPath, formatHelp, withExamples } from './help.js';
import { providerNames } from './providers/names.js';
import type { IO } from './ui/io.js';
import { safeText } from './ui/safe-text.js';
import { stdoutWasWritten, writeRaw } from './ui/streams.js';

// A command that does no I/O of its own may answer synchronously; `action` awaits either.
type CommandModule = () => Promise<{ default: (io: IO, ...args: never[]) => number | Promise<number> }>;

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** A commander command that carries examples for its help page (help.ts puts them first). */
export class AirtimeCommand extends Command {
  examples(lines: readonly string[]): this {
    return withExamples(this, lines);
  }

  override createCommand(name?: string): AirtimeCommand {
    return new AirtimeCommand(name);
  }
}

/** A value among fixed choices, refused with "did you mean" (commander's own message lists them without a guess). */
export function choiceOf(flag: string, choices: readonly string[]) {
  return (value: string): string => {
    if (choices.includes(value)) return value;
    throw notAChoice(flag, value, choices);
  };
}

const groups = { pay: 'PAYMENT COMMANDS', accounts: 'ACCOUNT COMMANDS', team: 'TEAM COMMANDS', dev: 'DEVELOPER COMMANDS' } as const;

/**
 * The command tree. Each command's module is imported only when it runs, so `--version` and `--help`
 * load commander and nothing else.
 */
export function buildProgram(setExit: (code: number) => void = () => {}): AirtimeCommand {
  const program = new AirtimeCommand('airtime')
    .description("Send mobile airtime through Africa's Talking, Lipad, a Zimbabwe orders API or the embedded sandbox — exactly once.")
    .version(version, '-v, --version')
    .option('--json', 'machine-readable output on stdout')
    .option('--profile <name>', 'configuration profile to use (env AIRTIME_PROFILE)')
    .addOption(
      new Option('--provider <name>', "provider to use instead of the profile's (env AIRTIME_PROVIDER)")
        .choices(providerNames)
        .argParser(choiceOf('--provider', providerNames)),
    )
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR is honoured too)')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand(false)
    // minWidthToWrap: commander leaves descriptions unwrapped below 40 columns beside the terms, which at 60 is always.
    .configureHelp({ formatHelp, showGlobalOptions: true, minWidthToWrap: 20 })
    .exitOverride()
    .configureOutput({ writeErr: (text) => writeRaw('stderr', text), writeOut: (text) => writeRaw('stdout', text) })
    .showHelpAfterError('(run with --help for usage)')
    .examples([
      'airtime send +254711000100 100 --yes        # one top-up on the sandbox',
      'airtime bulk payouts.csv --dry-run          # check a payout file, send nothing',
      'airtime bulk payouts.csv --out results.csv  # pay it, every row exactly once',
      'airtime batches                             # the batches paid so far',
      'airtime status --refresh                    # recent transfers, asked again',
      'airtime serve-callbacks                     # watch provider callbacks arrive',
    ]);

  const action =
    (load: CommandModule) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Loaded here, not at the top: `--help` should not pay for chalk.
      const { createIO } = await import('./ui/io.js');
      const io = createIO({ json: globals.json ?? false, color: globals.color !== false });
      // The one place every command passes: a data folder another user can change is not used (ssh's StrictModes).
      const [{ airtimePaths }, { checkDataFolder }] = await Promise.all([import('./config/paths.js'), import('./config/private-files.js')]);
      checkDataFolder(airtimePaths());
      const { default: run } = await load();
      const positional = args.slice(0, -2);
      setExit(await (run as (io: IO, ...rest: unknown[]) => number | Promise<number>)(io, ...positional, globals));
    };

  program
    .command('send')
    .helpGroup(groups.pay)
    .description('send airtime to one phone number')
    .argument('<phone>', 'mobile number: +254712345678, 254712345678 or 0712345678 with --country (a meter number with --product zesa)')
    .argument('<amount>', 'decimal amount, e.g. 100 or 99.50')
    .option('--currency <code>', "ISO-4217 currency (default: the number's country's)")
    .option('--country <code>', 'country of a local number, e.g. KE')
    .option('--force-currency', "allow a currency that is not the number's country's")
    .option('--decimal-comma', 'the amount writes decimals with a comma (2,50; 1.000 is one thousand)')
    .option('--decimal-point', 'the amount writes decimals with a point (2.50; 1,000 is one thousand)')
    .option('--key <key>', 'idempotency key: the same key twice is one transfer')
    .option('--note <text>', 'a note kept in the journal')
    .option('--wait', 'wait for the final status')
    .option('--timeout <seconds>', 'how long --wait waits', '60')
    .option('--dry-run', 'check everything, send nothing')
    .option('--max-total <amount>', "refuse to send more than this, e.g. '5000 KES'")
    .option('--repeat-window <duration>', 'how far back the repeat guard looks (30d, 12h; 0 turns it off)', '30d')
    .option('--allow-repeats', 'send even if the same amount went to the same phone within the window')
    .addOption(new Option('--product <kind>', 'what to buy: airtime (default), data or zesa (a token for a meter)').choices(['airtime', 'data', 'zesa']))
    .option('--product-id <id>', "a product from 'airtime products' (zw, the sandbox)")
    .option('--sms <text>', 'a text to the recipient with the order (zw: one SMS, GSM-7, at most 160 characters)')
    .option('--retry-hours <n>', "Africa's Talking: hours it retries a failed delivery (maxNumRetry; profile: retry-hours)")
    .option('-y, --yes', 'do not ask for confirmation')
    .examples([
      'airtime send +254711000100 100 --yes',
      'airtime send 0711000100 50 --country KE --key payroll-2026-11-alice --wait --yes',
      'airtime send +256772000100 5000 --json --yes',
      'airtime send 37132109846 20 --product zesa --provider zw --yes',
      'airtime send 0772279099 1 --country ZW --product data --sms "Your data for May" --provider zw --yes',
    ])
    .action(action(() => import('./commands/send.js')));

  program
    .command('status')
    .helpGroup(groups.pay)
    .description('show a transfer (refreshed from its provider) or list recent ones')
    .argument('[reference]', "our reference (idempotency key) or the provider's reference")
    .option('--limit <n>', 'how many recent transfers to list', '20')
    .addOption(new Option('--state <state>', 'list only transfers in this state').choices(transferStates).argParser(choiceOf('--state', transferStates)))
    .option('--batch <id>', 'list only the transfers of one bulk batch')
    .option('--refresh', 'ask the providers about the listed transfers that are not final (submitted ones too) first')
    .examples(['airtime status tx_3k9f2m8q1z7a1b2c', 'airtime status --state unknown --limit 50', 'airtime status --json'])
    .action(action(() => import('./commands/status.js')));

  program
    .command('bulk')
    .helpGroup(groups.pay)
    .description('pay every row of a CSV exactly once: validate all first, confirm, send, resume safely')
    .argument(
      '[file]',
      'CSV with a header: phone and amount columns (currency, country, reference, name, note optional; product, product_id, sms for data, ZESA and texts)',
    )
    .option('--dry-run', 'validate and print the plan; send nothing (exit 3 if any row is invalid)')
    .option('--errors-out <file>', 'write the invalid rows with a reason column, ready to fix')
    .option('--skip-invalid', 'pay only the valid rows (the invalid ones are listed, not paid)')
    .option('--max-total <amount>', "refuse a run whose total is above this, per currency: '5000 KES' (a bare number only for a one-currency run)")
    .option('--repeat-window <duration>', 'how far back the repeat guard looks (30d, 12h; 0 turns it off)', '30d')
    .option('--allow-repeats', 'pay rows that repeat a payment of the window (same phone, amount, currency)')
    .option('--skip-repeats', 'leave out rows that repeat a payment of the window')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option(
      '--rate <n>',
      "at most this many requests per second (a request carries up to the provider's maximum of rows: 'airtime providers'); progress counts rows/s",
    )
    .option('--resume <batch>', 'send the rows of a batch that were never sent (reconciling the uncertain ones first)')
    .option('--out <file>', 'write results: line, reference, phone, amount, currency, status, providerReference, error')
    .option('--wait', 'keep going until every row is final, then print the final summary')
    .option('--timeout <seconds>', 'how long --wait waits', '300')
    .option('--currency <code>', 'currency for rows without one')
    .option('--country <code>', 'country for local numbers without one')
    .option('--force-currency', "allow currencies that are not the numbers' countries'")
    .option('--decimal-comma', 'the file writes decimals with a comma (2,50; 1.000 is one thousand): needed when an amount could be read either way')
    .option('--decimal-point', 'the file writes decimals with a point (2.50; 1,000 is one thousand): needed when an amount could be read either way')
    .option('--retry-hours <n>', "Africa's Talking: hours it retries a failed delivery (maxNumRetry; profile: retry-hours)")
    .option('--remote', 'zw: send the batch in server-side bulk requests (after the same gate; one agent_reference per row)')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples([
      'airtime bulk samples/payouts.csv --dry-run',
      'airtime bulk samples/payouts.csv --yes --out results.csv',
      'airtime bulk --resume b_1a2b3c4d5e6f --yes',
      'airtime bulk samples/zw-products.csv --provider zw --dry-run',
      'airtime bulk big.csv --skip-invalid --errors-out bad.csv --concurrency 8 --rate 50 --yes',
    ])
    .action(action(() => import('./commands/bulk.js')));

  program
    .command('batches')
    .helpGroup(groups.pay)
    .description('list bulk batches, newest first: file, created, provider, rows, totals, outcomes, state')
    .option('--limit <n>', 'how many batches', '20')
    .examples(['airtime batches', 'airtime batches --limit 100 --json'])
    .action(action(() => import('./commands/batches.js')));

  const batchGroup = program
    .command('batch')
    .helpCommand(false)
    .helpGroup(groups.pay)
    .description('one bulk batch: its summary and results')
    .examples(['airtime batches', 'airtime batch show b_1a2b3c4d5e6f', 'airtime batch show b_1a2b3c4d5e6f --out results.csv']);
  batchGroup
    .command('show')
    .description('the summary of a batch, as at the end of its run: rows and money per outcome, failed rows, the next step')
    .argument('<batch>', 'batch id (b_…), as listed by airtime batches')
    .option('--out <file>', 'also write its results: every input column plus the result columns')
    .examples(['airtime batch show b_1a2b3c4d5e6f', 'airtime batch show b_1a2b3c4d5e6f --out results.csv', 'airtime batch show b_1a2b3c4d5e6f --json'])
    .action(action(() => import('./commands/batch-show.js')));

  program
    .command('reconcile')
    .helpGroup(groups.pay)
    .description("resolve unknown transfers by asking each one's own provider account (never by resending under a new key)")
    .argument('[batch]', 'only this batch')
    .option('--concurrency <n>', 'status queries in flight at once', '4')
    .option('--submitted', 'ask about submitted transfers too (to bring them to their final state)')
    .examples(['airtime reconcile', 'airtime reconcile b_1a2b3c4d5e6f --json'])
    .action(action(() => import('./commands/reconcile.js')));

  program
    .command('resolve')
    .helpGroup(groups.pay)
    .description("record what only you know about a transfer (e.g. from the provider's dashboard), with who and why; the provider is asked first")
    .argument('[reference]', "our reference or the provider's")
    .option('--delivered', 'the provider delivered it')
    .option('--failed', 'the provider failed it (nothing was paid)')
    .option('--not-sent', 'the provider never received it: it becomes sendable again')
    .option('--note <text>', 'why you know (required)')
    .option('--batch <id>', 'every transfer of this batch still in sending or unknown')
    .option('--override-provider', 'record it even though the provider says otherwise (journaled as an override, with what it said)')
    .option('-y, --yes', 'do not ask for confirmation (--not-sent asks)')
    .examples([
      'airtime resolve tx_3k9f2m8q1z7a1b2c --delivered --note "AT dashboard shows Success, 14:02"',
      'airtime resolve b_1a2b3c4d5e6f-9f8e7d6c5b4a --not-sent --note "not in the Lipad portal after 2 days" --yes',
      'airtime resolve --batch b_1a2b3c4d5e6f --failed --note "provider refunded the whole batch"',
    ])
    .action(action(() => import('./commands/resolve.js')));

  const wallet = program
    .command('wallet')
    .helpGroup(groups.accounts)
    .description('balances from the active provider (or its ledger); wallet topup starts a top-up')
    .option('--ledger', 'list ledger entries instead of balances')
    .option('--limit <n>', 'ledger entries to show', '50')
    .examples(['airtime wallet', 'airtime wallet --provider zw --ledger --json', 'airtime wallet topup 50 USD --provider zw'])
    .action(action(() => import('./commands/wallet.js')));
  wallet
    .command('topup')
    .description("start a top-up of the provider's prepaid wallet: prints the payment page to open (zw)")
    .argument('<amount>', 'decimal amount, e.g. 50')
    .argument('<currency>', 'ISO-4217 currency, e.g. USD or ZWG')
    .examples(['airtime wallet topup 50 USD --provider zw', 'airtime wallet topup 1000 ZWG --provider zw --json'])
    .action(action(() => import('./commands/wallet-topup.js')));

  const campaign = program
    .command('campaign')
    .helpCommand(false)
    .helpGroup(groups.pay)
    .description('survey-completion campaigns (zw): pay a respondent, signed with the campaign secret')
    .examples(['airtime campaign payout cmp_survey +263772279099 --amount 1 --reference resp-1041 --provider zw --yes']);
  campaign
    .command('payout')
    .description("pay a campaign's reward to one phone: journaled and gated like send, the request signed with campaign-secret")
    .argument('<campaign-id>', "the campaign's id, e.g. cmp_survey")
    .argument('<phone>', 'mobile number: +263772279099, or 0772279099 with --country ZW')
    .requiredOption(
      '--amount <amount>',
      "the campaign's reward, e.g. 1 (checked by the gate before anything is sent; a campaign paying another amount refuses)",
    )
    .option('--currency <code>', "currency of the reward (default: the number's country's)")
    .option('--country <code>', 'country of a local number, e.g. ZW')
    .option('--reference <ref>', 'idempotency key: the same reference twice is one payout (a respondent id is a good one)')
    .option('--note <text>', 'a note kept in the journal')
    .option('--wait', 'wait for the final status')
    .option('--timeout <seconds>', 'how long --wait waits', '60')
    .option('--dry-run', 'check everything, send nothing')
    .option('--max-total <amount>', "refuse to send more than this, e.g. '5 USD'")
    .option('--repeat-window <duration>', 'how far back the repeat guard looks (30d, 12h; 0 turns it off)', '30d')
    .option('--allow-repeats', 'pay even if the same amount went to the same phone within the window')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples([
      'airtime campaign payout cmp_survey +263772279099 --amount 1 --reference resp-1041 --provider zw --yes',
      'airtime campaign payout cmp_survey 0772279099 --country ZW --amount 1 --dry-run --provider zw',
    ])
    .action(action(() => import('./commands/campaign-payout.js')));

  program
    .command('products')
    .helpGroup(groups.accounts)
    .description("the active provider's catalogue: airtime, data bundles and ZESA tokens, with their ranges")
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['airtime', 'data', 'zesa']))
    .option('--network <name>', 'only this network (e.g. Econet, NetOne, ZESA)')
    .examples(['airtime products --provider zw', 'airtime products --provider zw --kind data --network Econet --json'])
    .action(action(() => import('./commands/products.js')));

  program
    .command('providers')
    .helpGroup(groups.accounts)
    .description('the providers and what each supports')
    .examples(['airtime providers --json'])
    .action(action(() => import('./commands/providers.js')));

  const config = program
    .command('config')
    .helpCommand(false)
    .helpGroup(groups.accounts)
    .description("read and change the active profile's settings (secrets masked; --profile for another profile)")
    .examples([
      'airtime config list',
      'airtime config set provider africastalking',
      'airtime config set api-key                    # asked with a masked prompt',
      'airtime config get limits.KES.max             # a default when the profile sets none',
      'airtime config set large-run.KES 500000       # confirm runs above it by typing their total',
    ]);
  config
    .command('set')
    .description('set a setting (secrets: leave out the value to be asked, or use --stdin)')
    .argument('<key>', allSettingKeys.join(' | '))
    .argument('[value]', 'the value')
    .option('--stdin', 'read the value from standard input')
    .examples(['airtime config set provider africastalking', 'echo "$KEY" | airtime config set api-key --stdin', 'airtime config set limits.KES.max 20000'])
    .action(action(() => import('./commands/config-set.js')));
  config
    .command('get')
    .description('print one setting (secrets masked)')
    .argument('<key>')
    .examples(['airtime config get provider'])
    .action(action(() => import('./commands/config-get.js')));
  config
    .command('list')
    .description("list the profile's settings (secrets masked)")
    .examples(['airtime config list --profile work'])
    .action(action(() => import('./commands/config-list.js')));
  config
    .command('unset')
    .description('remove a setting')
    .argument('<key>')
    .examples(['airtime config unset base-url'])
    .action(action(() => import('./commands/config-unset.js')));

  const profile = program
    .command('profile')
    .helpCommand(false)
    .helpGroup(groups.accounts)
    .description('named profiles: provider, credentials and defaults (default is the embedded sandbox)')
    .examples([
      'airtime profile add kenya --provider africastalking --username myapp --country KE --use',
      'airtime config set api-key --profile kenya',
      'airtime profile list',
      'airtime profile use default',
    ]);
  profile
    .command('add')
    .description('add or replace a profile; --provider names its provider (asks on a terminal; flags otherwise)')
    .argument('<name>')
    .option('--country <code>', 'default country for local numbers')
    .option('--currency <code>', 'default currency')
    .option('--base-url <url>', "override of the provider's base URL")
    .option('--username <name>', "Africa's Talking username")
    .option('--api-key <key>', 'API key (prefer the prompt, --stdin or the environment)')
    .option('--consumer-key <key>', 'Lipad consumer key')
    .option('--consumer-secret <secret>', 'Lipad consumer secret (prefer the prompt or the environment)')
    .option('--webhook-secret <secret>', 'zw webhook secret (prefer the prompt or the environment)')
    .option('--campaign-secret <secret>', 'zw campaign payout signing secret (prefer the prompt or the environment)')
    .option('--retry-hours <n>', "Africa's Talking: hours it retries a failed delivery (maxNumRetry)")
    .option('--use', 'make it the active profile')
    .option('--force', 'replace a profile that exists (its credentials too)')
    .examples([
      'airtime profile add kenya --provider africastalking --username myapp --country KE --use',
      'airtime profile add local-zw --provider zw --base-url http://127.0.0.1:4010',
    ])
    .action(action(() => import('./commands/profile-add.js')));
  profile
    .command('list')
    .description('list profiles (the active one marked)')
    .examples(['airtime profile list'])
    .action(action(() => import('./commands/profile-list.js')));
  profile
    .command('use')
    .description('make a profile the active one')
    .argument('<name>')
    .examples(['airtime profile use kenya'])
    .action(action(() => import('./commands/profile-use.js')));
  profile
    .command('remove')
    .description('remove a profile')
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime profile remove old --yes'])
    .action(action(() => import('./commands/profile-remove.js')));

  /** `serve-callbacks`, also reachable as `callbacks serve` from the callbacks group page. */
  const serveCallbacks = (command: AirtimeCommand) =>
    command
      .description('a local listener that verifies, records and prints the final status of every transfer as providers report it')
      .option('--host <host>', 'interface to listen on (anything but loopback warns)', '127.0.0.1')
      .option('--port <n>', 'port (0 picks a free one)', '0')
      .addOption(new Option('--format <format>', 'text lines or NDJSON on stdout').choices(['text', 'json']).default('text'))
      .option('--forward-to <url>', "relay each callback's raw body and headers to your app")
      .option('--until-complete <batch>', 'exit when every transfer of the batch is final (exit codes as for bulk)')
      .option('--timeout <seconds>', 'stop after this long')
      .option('--path-token <token>', 'secret path segment for unsigned callbacks: /callbacks/<provider>/<token> (env AIRTIME_CALLBACK_TOKEN)')
      .option('--max-amount <amount>', "AT validation: refuse amounts above this (e.g. '5000 KES')")
      .option('--allow-prefix <prefix...>', 'AT validation: only numbers starting with these (e.g. +2547)')
      .option('--body-limit <bytes>', 'largest body accepted (413 above)', '65536')
      .option('--no-sandbox', "do not deliver the embedded sandbox's callbacks here")
      .examples([
        'airtime serve-callbacks --port 4000',
        'airtime serve-callbacks --format json | jq .status',
        'airtime serve-callbacks --forward-to http://127.0.0.1:3000/hooks --path-token s3cr3t',
        'airtime serve-callbacks --until-complete b_1a2b3c4d5e6f --timeout 600',
      ])
      .action(action(() => import('./commands/serve-callbacks.js')));
  serveCallbacks(program.command('serve-callbacks').helpGroup(groups.dev));
  const callbacks = program
    .command('callbacks')
    .helpCommand(false)
    .helpGroup(groups.dev)
    .description("provider callbacks: a local listener that verifies, records and prints them (also 'airtime serve-callbacks')")
    .examples([
      'airtime callbacks serve --port 4000                     # terminal 1: prints its URLs',
      'airtime send +254711000100 100 --yes                    # terminal 2: the sandbox calls back',
      'airtime sandbox serve --callback-url http://127.0.0.1:4000',
      'airtime send +254711000100 100 --wait --yes             # waits for the callback (or asks)',
    ]);
  serveCallbacks(callbacks.command('serve'));

  callbacks
    .command('trigger')
    .description('post the callback a provider would send (shaped, and for zw and the sandbox signed) to a listener')
    .argument('<provider>', 'africastalking | lipad | zw | sandbox')
    .argument('<status>', 'submitted | delivered | failed | reversed (what the provider can say)')
    .requiredOption('--to <url>', "the listener: its base URL (the provider's route is added) or a full URL")
    .option('--reference <ref>', 'about this journaled transfer (default: an invented one, which the listener flags)')
    .option('--phone <phone>', 'claim another phone (to see a mismatch flagged)')
    .option('--amount <amount>', 'claim another amount, e.g. 9999 (to see a mismatch flagged)')
    .option('--currency <code>', 'claim another currency')
    .option('--path-token <token>', "the listener's path token (env AIRTIME_CALLBACK_TOKEN)")
    .examples([
      'airtime callbacks trigger sandbox delivered --to http://127.0.0.1:4000 --reference tx_3k9f2m8q1z7a1b2c',
      'airtime callbacks trigger lipad delivered --to http://127.0.0.1:4000 --reference b_1a2b-9f8e --amount 9999',
      'airtime callbacks trigger zw failed --to http://127.0.0.1:4000/callbacks/zw',
    ])
    .action(action(() => import('./commands/callbacks-trigger.js')));
  callbacks
    .command('replay')
    .description("post again the bodies the journal kept of a transfer's or a batch's callbacks")
    .argument('<target>', 'a transfer reference or a batch id')
    .requiredOption('--to <url>', "the listener: its base URL (the provider's route is added) or a full URL")
    .option('--path-token <token>', "the listener's path token (env AIRTIME_CALLBACK_TOKEN)")
    .examples([
      'airtime callbacks replay tx_3k9f2m8q1z7a1b2c --to http://127.0.0.1:4000',
      'airtime callbacks replay b_1a2b3c4d5e6f --to http://127.0.0.1:3000/hooks/airtime',
    ])
    .action(action(() => import('./commands/callbacks-replay.js')));
  callbacks
    .command('list')
    .description('what arrived: callbacks from the journal, with what they claimed and how they were flagged')
    .option('--batch <id>', "only this batch's callbacks")
    .addOption(
      new Option('--flag <flag>', 'only callbacks with this flag').choices([
        'mismatch',
        'unknown-transfer',
        'duplicate',
        'out-of-order',
        'matched-by-phone-amount',
        'replayed',
        'unreadable',
        'ambiguous',
        'success-after-failed',
        // What the journal itself flags on a callback (journal.ts observe): `callbacks list` shows them, so they filter too.
        'repeat',
        'refused',
      ]),
    )
    .option('--limit <n>', 'the newest n callbacks', '50')
    .examples(['airtime callbacks list', 'airtime callbacks list --flag mismatch', 'airtime callbacks list --batch b_1a2b3c4d5e6f --json'])
    .action(action(() => import('./commands/callbacks-list.js')));

  const sandbox = program
    .command('sandbox')
    .helpCommand(false)
    .helpGroup(groups.dev)
    .description('the wire simulators of every provider, for rehearsals and tests')
    .examples([
      'airtime sandbox serve --port 4010',
      'export AT_BASE_URL=http://127.0.0.1:4010 AT_USERNAME=sandbox AT_API_KEY=at-sim-key',
      'airtime send +254711000100 100 --provider africastalking --yes',
    ]);
  sandbox
    .command('serve')
    .description("serve Africa's Talking, Lipad and zw simulators on 127.0.0.1; prints the base URL")
    .option('--port <n>', 'port (0 picks a free one)', '0')
    .option('--callback-url <url>', 'deliver callbacks to <url>/callbacks/<provider> (e.g. airtime serve-callbacks)')
    .option('--settle-ms <ms>', 'time from acceptance to a final state', '500')
    .option('--latency <ms>', 'added latency per request (env AIRTIME_SIM_LATENCY_MS)')
    .option('--timeout-rate <r>', 'fraction of requests that hang until the client gives up (AIRTIME_SIM_TIMEOUT_RATE)')
    .option('--error-rate <r>', 'fraction answered 503 after processing (AIRTIME_SIM_ERROR_RATE)')
    .option('--rate-limit-rate <r>', 'fraction answered 429 before processing (AIRTIME_SIM_RATE_LIMIT_RATE)')
    .option('--reset-rate <r>', 'fraction whose connection is reset after processing (AIRTIME_SIM_RESET_RATE)')
    .option('--malformed-rate <r>', 'fraction answered with a truncated body (AIRTIME_SIM_MALFORMED_RATE)')
    .option('--duplicate-callbacks <r>', 'fraction of callbacks delivered twice (AIRTIME_SIM_DUPLICATE_CALLBACK_RATE)')
    .option('--reorder-callbacks', 'deliver callbacks out of order, with stale updates after final ones')
    .option('--seed <n>', 'seed of the fault dice, to replay a run')
    .option('--variants', "answer in the providers' variant shapes too, not only the documented ones (AIRTIME_SIM_VARIANTS=1)")
    .option('--visible-after <ms>', 'slow acceptance: accepted requests show in status queries only after <ms> (AIRTIME_SIM_VISIBLE_AFTER_MS)')
    .option(
      '--lipad-duplicates <mode>',
      'what Lipad does with a repeated reference: dedupe (default), reject (721) or accept (charges again) (AIRTIME_SIM_LIPAD_DUPLICATES)',
    )
    .option(
      '--at-validation',
      'AT asks <callback-url>/callbacks/africastalking/validation before forwarding each transfer; a refusal fails it (AIRTIME_SIM_AT_VALIDATION=1)',
    )
    .option('--at-key-window <ms>', 'how long AT remembers an Idempotency-Key; after it the same key pays again (default 300000, AIRTIME_SIM_AT_KEY_WINDOW_MS)')
    .examples([
      'airtime sandbox serve --port 4010',
      'airtime sandbox serve --callback-url http://127.0.0.1:4000 --error-rate 0.1 --duplicate-callbacks 0.2',
      'airtime sandbox serve --variants --seed 7 --visible-after 2000',
      'airtime sandbox serve --lipad-duplicates reject --at-key-window 5000',
    ])
    .action(action(() => import('./commands/sandbox-serve.js')));

  // ——— team mode: who you are, the approval policy, four eyes, the audit trail, moving a ledger ———

  program
    .command('whoami')
    .helpGroup(groups.team)
    .description('who the journal records you as (the PostgreSQL role, or the OS user and host) and which journal that is')
    .examples(['airtime whoami --json'])
    .action(action(() => import('./commands/whoami.js')));

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
    .action(action(() => import('./commands/policy.js').then((module) => ({ default: module.policySet }))));
  policy
    .command('unset')
    .description('remove a policy setting (approvals.above removes every threshold)')
    .argument('<key>', 'approvals.above | approvals.above.<CUR> | approvals.count')
    .examples(['airtime policy unset approvals.above.KES'])
    .action(action(() => import('./commands/policy.js').then((module) => ({ default: module.policyUnset }))));
  policy
    .command('show')
    .description('print the approval policy')
    .examples(['airtime policy show --json'])
    .action(action(() => import('./commands/policy.js').then((module) => ({ default: module.policyShow }))));

  program
    .command('approve')
    .helpGroup(groups.team)
    .description("approve a batch waiting for approval, as shown (not your own): it can then be sent with 'bulk --resume'")
    .argument('<batch>', 'batch id (b_…)')
    .option('--note <text>', 'kept with the approval in the audit trail')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime approve b_1a2b3c4d5e6f', 'airtime approve b_1a2b3c4d5e6f --note "checked against payroll" --yes'])
    .action(action(() => import('./commands/approve.js')));

  program
    .command('reject')
    .helpGroup(groups.team)
    .description('reject a batch: its unsent rows are cancelled and never sent')
    .argument('<batch>', 'batch id (b_…)')
    .option('--note <text>', 'why (required; kept in the audit trail)')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime reject b_1a2b3c4d5e6f --note "wrong month" --yes'])
    .action(action(() => import('./commands/approve.js').then((module) => ({ default: module.reject }))));

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
    .action(action(() => import('./commands/audit.js').then((module) => ({ default: module.auditVerify }))));
  audit
    .command('head')
    .description('print the chain head (event count and last hash) to keep elsewhere: audit verify --head checks the chain still contains it')
    .examples(['airtime audit head', 'airtime audit head --json'])
    .action(action(() => import('./commands/audit.js').then((module) => ({ default: module.auditHead }))));
  audit
    .command('export')
    .description('write who planned, approved and sent, what providers answered, callbacks and operator decisions')
    .option('--batch <id>', 'only the events of one batch')
    .option('--since <date>', 'only events from this date or time on (e.g. 2026-11-01)')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .examples(['airtime audit export --batch b_1a2b3c4d5e6f --format csv > audit.csv', 'airtime audit export --since 2026-11-01 --format json'])
    .action(action(() => import('./commands/audit.js').then((module) => ({ default: module.auditExport }))));

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
    .action(action(() => import('./commands/journal-migrate.js')));

  program
    .command('completion')
    .helpGroup(groups.dev)
    .description('print the shell completion script: commands, flags, profiles, providers, batch ids and references')
    .argument('<shell>', 'bash | zsh | fish | powershell')
    .examples([
      'airtime completion bash > ~/.local/share/bash-completion/completions/airtime',
      "echo 'source <(airtime completion zsh)' >> ~/.zshrc",
      'airtime completion fish > ~/.config/fish/completions/airtime.fish',
    ])
    .action(async (shell: string) => {
      const { printCompletionScript } = await import('./completion.js');
      setExit(printCompletionScript(shell));
    });
  // What the completion scripts call on each Tab: `airtime complete -- <words so far>`.
  program
    .command('complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const { complete } = await import('./completion.js');
      setExit(await complete(buildProgram(), words));
    });

  return program;
}

async function report(io: IO, error: unknown): Promise<number> {
  if (!isAirtimeError(error)) {
    const [{ explainError }, { airtimePaths }] = await Promise.all([import('./ui/known-errors.js'), import('./config/paths.js')]);
    const explained = explainError(error, airtimePaths());
    if (explained) return report(io, explained);
  }
  // Messages may carry a provider's words or a file's cell: made inert (ui/safe-text.ts).
  if (isAirtimeError(error)) {
    io.err(`${io.errColor.red('error:')} ${safeText(error.message)}`);
    if (error.hint) io.err(`${io.errColor.dim('hint:')} ${safeText(error.hint)}`);
    // With --json a script reads stdout: the error as an object there too (as the Stripe CLI does), same exit code.
    if (io.json && !stdoutWasWritten())
      io.printJson({ error: { kind: error.kind, exitCode: error.exitCode, message: error.message, hint: error.hint ?? null } });
    return error.exitCode;
  }
  const message = safeText(error instanceof Error ? error.message : String(error));
  // A provider that could not be reached or answered nonsense: a failure to report, not a bug.
  if (error instanceof Error && (error.name === 'TransportError' || error.name === 'MalformedBodyError')) {
    io.err(`${io.errColor.red('error:')} ${message}; try again, or check the provider's base URL and status`);
    return ExitCode.failed;
  }
  io.err(`${io.errColor.red('error:')} unexpected: ${message} (this is a bug; AIRTIME_DEBUG=1 shows details)`);
  if (process.env.AIRTIME_DEBUG === '1' && error instanceof Error && error.stack) io.err(error.stack);
  return ExitCode.failed;
}

/**
 * `airtime help [command…]`, at any depth (`airtime help config set`, `airtime config help set`): the page
 * of that command on stdout. A name that is no command is a usage error (2) with a guess.
 */
function helpRequest(program: Command, args: readonly string[]): Command | undefined {
  // Words after `--` are data (what `airtime complete -- help pro` completes), never a help request.
  const end = args.indexOf('--');
  const words = (end === -1 ? args : args.slice(0, end)).filter((arg) => !arg.startsWith('-'));
  const at = words.indexOf('help');
  if (at === -1) return undefined;
  let command = program;
  const path = [...words.slice(0, at), ...words.slice(at + 1)];
  // `help` must follow a chain of commands (`config help`), not an argument (`send help 10`).
  for (const [index, word] of path.entries()) {
    const next = command.commands.find((sub) => sub.name() === word || sub.aliases().includes(word));
    if (!next) {
      if (index < at) return undefined;
      const names = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden).map((sub) => sub.name());
      throw usageError(`unknown command "${word}" for "${commandPath(command)}"${didYouMean(word, names)}: run '${commandPath(command)} --help' for the list`);
    }
    command = next;
  }
  return command;
}

export async function run(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const { watchOutputs } = await import('./ui/streams.js');
  watchOutputs();
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    const helpOf = helpRequest(program, argv.slice(2));
    if (helpOf) {
      writeRaw('stdout', helpOf.helpInformation());
      return ExitCode.ok;
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    const { createIO } = await import('./ui/io.js');
    return report(createIO({ json: argv.includes('--json') }), error);
  }
}
