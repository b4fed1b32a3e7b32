import { Option } from 'commander';
import { groups, type Action, type AirtimeCommand } from './command.js';

/** The dev commands' declarations: callbacks, their listener and the sandbox. */
export function registerDeveloperCommands(program: AirtimeCommand, action: Action): void {
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
      .action(action(() => import('../commands/serve-callbacks.js')));

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
    .action(action(() => import('../commands/callbacks-trigger.js')));

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
    .action(action(() => import('../commands/callbacks-replay.js')));

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
    .action(action(() => import('../commands/callbacks-list.js')));

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
    .action(action(() => import('../commands/sandbox-serve.js')));
}
