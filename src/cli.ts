import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, isAirtimeError } from './core/errors.js';
import type { IO } from './ui/io.js';
import { safeText } from './ui/safe-text.js';

export interface GlobalOptions {
  json?: boolean;
  profile?: string;
  provider?: string;
  color?: boolean;
}

// A command that does no I/O of its own may answer synchronously; `action` awaits either.
type CommandModule = () => Promise<{ default: (io: IO, ...args: never[]) => number | Promise<number> }>;

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * The command tree. Each command's module is imported only when it runs, so `--version` and `--help`
 * load commander and nothing else.
 */
function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('airtime')
    .description("Send mobile airtime through Africa's Talking, Lipad, a Zimbabwe orders API or the embedded sandbox — exactly once.")
    .version(version, '-v, --version')
    .option('--json', 'machine-readable output on stdout')
    .option('--profile <name>', 'configuration profile to use (env AIRTIME_PROFILE)')
    .option('--provider <name>', 'sandbox | africastalking | lipad | zw (env AIRTIME_PROVIDER)')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR is honoured too)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text), writeOut: (text) => process.stdout.write(text) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime send +254711000100 100 --yes          one top-up on the sandbox
  $ airtime status                                recent transfers
  $ airtime bulk payouts.csv --dry-run            check a payout file, send nothing
  $ airtime wallet                                balances from the active provider
  $ airtime serve-callbacks                       watch provider callbacks arrive

Exit codes: 0 ok · 1 failed · 2 usage · 3 invalid input · 4 configuration/auth · 5 partly done · 130 cancelled`,
    );

  const action =
    (load: CommandModule) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Loaded here, not at the top: `--help` should not pay for chalk.
      const { createIO } = await import('./ui/io.js');
      const io = createIO({ json: globals.json ?? false, color: globals.color !== false });
      const { default: run } = await load();
      const positional = args.slice(0, -2);
      setExit(await (run as (io: IO, ...rest: unknown[]) => number | Promise<number>)(io, ...positional, globals));
    };

  program
    .command('send')
    .description('send airtime to one phone number')
    .argument('<phone>', 'mobile number: +254712345678, 254712345678 or 0712345678 with --country (a meter number with --product zesa)')
    .argument('<amount>', 'decimal amount, e.g. 100 or 99.50')
    .option('--currency <code>', "ISO-4217 currency (default: the number's country's)")
    .option('--country <code>', 'country of a local number, e.g. KE')
    .option('--force-currency', "allow a currency that is not the number's country's")
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime send +254711000100 100 --yes\n  $ airtime send 0711000100 50 --country KE --key payroll-2026-11-alice --wait --yes\n  $ airtime send +256772000100 5000 --json --yes\n  $ airtime send 37132109846 20 --product zesa --provider zw --yes\n  $ airtime send 0772279099 1 --product data --sms "Your data for May" --provider zw --yes',
    )
    .action(action(() => import('./commands/send.js')));

  program
    .command('status')
    .description('show a transfer (refreshed from its provider) or list recent ones')
    .argument('[reference]', "our reference (idempotency key) or the provider's reference")
    .option('--limit <n>', 'how many recent transfers to list', '20')
    .addOption(
      new Option('--state <state>', 'list only transfers in this state').choices([
        'queued',
        'sending',
        'submitted',
        'delivered',
        'failed',
        'unknown',
        'reversed',
      ]),
    )
    .option('--batch <id>', 'list only the transfers of one bulk batch')
    .addHelpText('after', '\nExamples:\n  $ airtime status tx_3k9f2m8q1z7a1b2c\n  $ airtime status --state unknown --limit 50\n  $ airtime status --json')
    .action(action(() => import('./commands/status.js')));

  program
    .command('bulk')
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
    .option('--rate <n>', 'at most this many requests per second')
    .option('--resume <batch>', 'send the rows of a batch that were never sent (reconciling the uncertain ones first)')
    .option('--out <file>', 'write results: line, reference, phone, amount, currency, status, providerReference, error')
    .option('--wait', 'keep going until every row is final, then print the final summary')
    .option('--timeout <seconds>', 'how long --wait waits', '300')
    .option('--currency <code>', 'currency for rows without one')
    .option('--country <code>', 'country for local numbers without one')
    .option('--force-currency', "allow currencies that are not the numbers' countries'")
    .option('--retry-hours <n>', "Africa's Talking: hours it retries a failed delivery (maxNumRetry; profile: retry-hours)")
    .option('--remote', 'zw: send the batch in server-side bulk requests (after the same gate; one agent_reference per row)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime bulk samples/zw-products.csv --provider zw --dry-run\n  $ airtime bulk samples/payouts.csv --dry-run\n  $ airtime bulk samples/payouts.csv --yes --out results.csv\n  $ airtime bulk --resume b_1a2b3c4d5e6f --yes\n  $ airtime bulk big.csv --skip-invalid --errors-out bad.csv --concurrency 8 --rate 50 --yes',
    )
    .action(action(() => import('./commands/bulk.js')));

  program
    .command('reconcile')
    .description("resolve unknown transfers by asking each one's own provider account (never by resending under a new key)")
    .argument('[batch]', 'only this batch')
    .option('--concurrency <n>', 'status queries in flight at once', '4')
    .option('--submitted', 'ask about submitted transfers too (to bring them to their final state)')
    .addHelpText('after', '\nExamples:\n  $ airtime reconcile\n  $ airtime reconcile b_1a2b3c4d5e6f --json')
    .action(action(() => import('./commands/reconcile.js')));

  program
    .command('resolve')
    .description("record what only you know about a transfer (e.g. from the provider's dashboard), with who and why")
    .argument('[reference]', "our reference or the provider's")
    .option('--delivered', 'the provider delivered it')
    .option('--failed', 'the provider failed it (nothing was paid)')
    .option('--not-sent', 'the provider never received it: it becomes sendable again')
    .option('--note <text>', 'why you know (required)')
    .option('--batch <id>', 'every transfer of this batch still in sending or unknown')
    .option('-y, --yes', 'do not ask for confirmation (--not-sent asks)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime resolve tx_3k9f2m8q1z7a1b2c --delivered --note "AT dashboard shows Success, 14:02"\n  $ airtime resolve b_1a2b3c4d5e6f-9f8e7d6c5b4a --not-sent --note "not in the Lipad portal after 2 days" --yes\n  $ airtime resolve --batch b_1a2b3c4d5e6f --failed --note "provider refunded the whole batch"',
    )
    .action(action(() => import('./commands/resolve.js')));

  const wallet = program
    .command('wallet')
    .description('balances from the active provider (or its ledger); wallet topup starts a top-up')
    .option('--ledger', 'list ledger entries instead of balances')
    .option('--limit <n>', 'ledger entries to show', '50')
    .addHelpText('after', '\nExamples:\n  $ airtime wallet\n  $ airtime wallet --provider zw --ledger --json\n  $ airtime wallet topup 50 USD --provider zw')
    .action(action(() => import('./commands/wallet.js')));
  wallet
    .command('topup')
    .description("start a top-up of the provider's prepaid wallet: prints the payment page to open (zw)")
    .argument('<amount>', 'decimal amount, e.g. 50')
    .argument('<currency>', 'ISO-4217 currency, e.g. USD or ZWG')
    .addHelpText('after', '\nExamples:\n  $ airtime wallet topup 50 USD --provider zw\n  $ airtime wallet topup 1000 ZWG --provider zw --json')
    .action(action(() => import('./commands/wallet-topup.js')));

  const campaign = program.command('campaign').description('survey-completion campaigns (zw): pay a respondent, signed with the campaign secret');
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime campaign payout cmp_survey +263772279099 --amount 1 --reference resp-1041 --provider zw --yes\n  $ airtime campaign payout cmp_survey 0772279099 --country ZW --amount 1 --dry-run --provider zw',
    )
    .action(action(() => import('./commands/campaign-payout.js')));

  program
    .command('products')
    .description("the active provider's catalogue: airtime, data bundles and ZESA tokens, with their ranges")
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['airtime', 'data', 'zesa']))
    .option('--network <name>', 'only this network (e.g. Econet, NetOne, ZESA)')
    .addHelpText('after', '\nExamples:\n  $ airtime products --provider zw\n  $ airtime products --provider zw --kind data --network Econet --json')
    .action(action(() => import('./commands/products.js')));

  program
    .command('providers')
    .description('the providers and what each supports')
    .addHelpText('after', '\nExample:\n  $ airtime providers --json')
    .action(action(() => import('./commands/providers.js')));

  const config = program.command('config').description("read and change the active profile's settings");
  config
    .command('set')
    .description('set a setting (secrets: leave out the value to be asked, or use --stdin)')
    .argument(
      '<key>',
      'provider | country | currency | base-url | username | api-key | consumer-key | consumer-secret | webhook-secret | campaign-secret | retry-hours | limits.<CUR>.min | limits.<CUR>.max',
    )
    .argument('[value]', 'the value')
    .option('--stdin', 'read the value from standard input')
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime config set provider africastalking\n  $ echo "$KEY" | airtime config set api-key --stdin\n  $ airtime config set limits.KES.max 20000',
    )
    .action(action(() => import('./commands/config-set.js')));
  config
    .command('get')
    .description('print one setting (secrets masked)')
    .argument('<key>')
    .addHelpText('after', '\nExample:\n  $ airtime config get provider')
    .action(action(() => import('./commands/config-get.js')));
  config
    .command('list')
    .description("list the profile's settings (secrets masked)")
    .addHelpText('after', '\nExample:\n  $ airtime config list --profile work')
    .action(action(() => import('./commands/config-list.js')));
  config
    .command('unset')
    .description('remove a setting')
    .argument('<key>')
    .addHelpText('after', '\nExample:\n  $ airtime config unset base-url')
    .action(action(() => import('./commands/config-unset.js')));

  const profile = program.command('profile').description('named profiles: provider, credentials and defaults');
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime profile add kenya --provider africastalking --username myapp --country KE --use\n  $ airtime profile add local-zw --provider zw --base-url http://127.0.0.1:4010',
    )
    .action(action(() => import('./commands/profile-add.js')));
  profile
    .command('list')
    .description('list profiles (the active one marked)')
    .addHelpText('after', '\nExample:\n  $ airtime profile list')
    .action(action(() => import('./commands/profile-list.js')));
  profile
    .command('use')
    .description('make a profile the active one')
    .argument('<name>')
    .addHelpText('after', '\nExample:\n  $ airtime profile use kenya')
    .action(action(() => import('./commands/profile-use.js')));
  profile
    .command('remove')
    .description('remove a profile')
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExample:\n  $ airtime profile remove old --yes')
    .action(action(() => import('./commands/profile-remove.js')));

  program
    .command('serve-callbacks')
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime serve-callbacks --port 4000\n  $ airtime serve-callbacks --format json | jq .status\n  $ airtime serve-callbacks --forward-to http://127.0.0.1:3000/hooks --path-token s3cr3t\n  $ airtime serve-callbacks --until-complete b_1a2b3c4d5e6f --timeout 600',
    )
    .action(action(() => import('./commands/serve-callbacks.js')));

  const callbacks = program.command('callbacks').description('trigger, replay and list callbacks: test a listener the way Stripe’s CLI tests webhooks');
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime callbacks trigger sandbox delivered --to http://127.0.0.1:4000 --reference tx_3k9f2m8q1z7a1b2c\n  $ airtime callbacks trigger lipad delivered --to http://127.0.0.1:4000 --reference b_1a2b-9f8e --amount 9999\n  $ airtime callbacks trigger zw failed --to http://127.0.0.1:4000/callbacks/zw',
    )
    .action(action(() => import('./commands/callbacks-trigger.js')));
  callbacks
    .command('replay')
    .description("post again the bodies the journal kept of a transfer's or a batch's callbacks")
    .argument('<target>', 'a transfer reference or a batch id')
    .requiredOption('--to <url>', "the listener: its base URL (the provider's route is added) or a full URL")
    .option('--path-token <token>', "the listener's path token (env AIRTIME_CALLBACK_TOKEN)")
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime callbacks replay tx_3k9f2m8q1z7a1b2c --to http://127.0.0.1:4000\n  $ airtime callbacks replay b_1a2b3c4d5e6f --to http://127.0.0.1:3000/hooks/airtime',
    )
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
      ]),
    )
    .option('--limit <n>', 'the newest n callbacks', '50')
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime callbacks list\n  $ airtime callbacks list --flag mismatch\n  $ airtime callbacks list --batch b_1a2b3c4d5e6f --json',
    )
    .action(action(() => import('./commands/callbacks-list.js')));

  const sandbox = program.command('sandbox').description('the wire simulators of every provider, for rehearsals and tests');
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
    .addHelpText(
      'after',
      '\nExamples:\n  $ airtime sandbox serve --port 4010\n  $ airtime sandbox serve --callback-url http://127.0.0.1:4000 --error-rate 0.1 --duplicate-callbacks 0.2\n  $ airtime sandbox serve --variants --seed 7 --visible-after 2000',
    )
    .action(action(() => import('./commands/sandbox-serve.js')));

  return program;
}

function report(io: IO, error: unknown): number {
  // Messages may carry a provider's words or a file's cell: made inert (ui/safe-text.ts).
  if (isAirtimeError(error)) {
    io.err(`${io.errColor.red('error:')} ${safeText(error.message)}`);
    if (error.hint) io.err(`${io.errColor.dim('hint:')} ${safeText(error.hint)}`);
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

export async function run(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
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
