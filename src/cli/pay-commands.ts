import { Option } from 'commander';
import { transferStates } from '../core/transfer-state.js';
import { groups, choiceOf, type Action, type AirtimeCommand } from './command.js';

/** The pay commands' declarations: send, status, bulk, batches, reconcile, resolve, wallet, campaign payouts. */
export function registerPaymentCommands(program: AirtimeCommand, action: Action): void {
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
    .action(action(() => import('../commands/send.js')));

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
    .action(action(() => import('../commands/status.js')));

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
    .action(action(() => import('../commands/bulk.js')));

  program
    .command('batches')
    .helpGroup(groups.pay)
    .description('list bulk batches, newest first: file, created, provider, rows, totals, outcomes, state')
    .option('--limit <n>', 'how many batches', '20')
    .examples(['airtime batches', 'airtime batches --limit 100 --json'])
    .action(action(() => import('../commands/batches.js')));

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
    .action(action(() => import('../commands/batch-show.js')));

  program
    .command('reconcile')
    .helpGroup(groups.pay)
    .description("resolve unknown transfers by asking each one's own provider account (never by resending under a new key)")
    .argument('[batch]', 'only this batch')
    .option('--concurrency <n>', 'status queries in flight at once', '4')
    .option('--submitted', 'ask about submitted transfers too (to bring them to their final state)')
    .examples(['airtime reconcile', 'airtime reconcile b_1a2b3c4d5e6f --json'])
    .action(action(() => import('../commands/reconcile.js')));

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
    .action(action(() => import('../commands/resolve.js')));

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
    .action(action(() => import('../commands/campaign-payout.js')));
}
