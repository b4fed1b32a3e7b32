import { Option } from 'commander';
import { allSettingKeys } from '../config/schema.js';
import { groups, type Action, type AirtimeCommand } from './command.js';

/** The accounts commands' declarations: products, providers, config and profiles. */
export function registerAccountCommands(program: AirtimeCommand, action: Action): void {
  const wallet = program
    .command('wallet')
    .helpGroup(groups.accounts)
    .description('balances from the active provider (or its ledger); wallet topup starts a top-up')
    .option('--ledger', 'list ledger entries instead of balances')
    .option('--limit <n>', 'ledger entries to show', '50')
    .examples(['airtime wallet', 'airtime wallet --provider zw --ledger --json', 'airtime wallet topup 50 USD --provider zw'])
    .action(action(() => import('../commands/wallet.js')));

  wallet
    .command('topup')
    .description("start a top-up of the provider's prepaid wallet: prints the payment page to open (zw)")
    .argument('<amount>', 'decimal amount, e.g. 50')
    .argument('<currency>', 'ISO-4217 currency, e.g. USD or ZWG')
    .examples(['airtime wallet topup 50 USD --provider zw', 'airtime wallet topup 1000 ZWG --provider zw --json'])
    .action(action(() => import('../commands/wallet-topup.js')));

  program
    .command('products')
    .helpGroup(groups.accounts)
    .description("the active provider's catalogue: airtime, data bundles and ZESA tokens, with their ranges")
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['airtime', 'data', 'zesa']))
    .option('--network <name>', 'only this network (e.g. Econet, NetOne, ZESA)')
    .examples(['airtime products --provider zw', 'airtime products --provider zw --kind data --network Econet --json'])
    .action(action(() => import('../commands/products.js')));

  program
    .command('providers')
    .helpGroup(groups.accounts)
    .description('the providers and what each supports')
    .examples(['airtime providers --json'])
    .action(action(() => import('../commands/providers.js')));

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
    .action(action(() => import('../commands/config-set.js')));

  config
    .command('get')
    .description('print one setting (secrets masked)')
    .argument('<key>')
    .examples(['airtime config get provider'])
    .action(action(() => import('../commands/config-get.js')));

  config
    .command('list')
    .description("list the profile's settings (secrets masked)")
    .examples(['airtime config list --profile work'])
    .action(action(() => import('../commands/config-list.js')));

  config
    .command('unset')
    .description('remove a setting')
    .argument('<key>')
    .examples(['airtime config unset base-url'])
    .action(action(() => import('../commands/config-unset.js')));

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
    .action(action(() => import('../commands/profile-add.js')));

  profile
    .command('list')
    .description('list profiles (the active one marked)')
    .examples(['airtime profile list'])
    .action(action(() => import('../commands/profile-list.js')));

  profile
    .command('use')
    .description('make a profile the active one')
    .argument('<name>')
    .examples(['airtime profile use kenya'])
    .action(action(() => import('../commands/profile-use.js')));

  profile
    .command('remove')
    .description('remove a profile')
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .examples(['airtime profile remove old --yes'])
    .action(action(() => import('../commands/profile-remove.js')));
}
