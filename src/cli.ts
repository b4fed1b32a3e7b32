import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { AirtimeCommand, type Action, choiceOf, groups } from './cli/command.js';
import { registerPaymentCommands } from './cli/pay-commands.js';
import { registerAccountCommands } from './cli/account-commands.js';
import { registerTeamCommands } from './cli/team-commands.js';
import { registerDeveloperCommands } from './cli/developer-commands.js';
import { ExitCode, isAirtimeError, usageError } from './core/errors.js';
import { didYouMean } from './core/suggest.js';
import type { GlobalOptions } from './global-options.js';
import { commandPath, formatHelp } from './help.js';
import { providerNames } from './providers/names.js';
import type { IO } from './ui/io.js';
import { safeText } from './ui/safe-text.js';
import { stdoutWasWritten, writeRaw } from './ui/streams.js';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

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

  const action: Action =
    (load) =>
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

  registerPaymentCommands(program, action);
  registerAccountCommands(program, action);
  registerDeveloperCommands(program, action);
  registerTeamCommands(program, action);

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
