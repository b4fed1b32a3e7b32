import type { Command, Help } from 'commander';

/**
 * Help pages laid out as gh lays them out, with the examples first (clig.dev: people read examples
 * before they read flags): description, EXAMPLES, USAGE, ARGUMENTS, FLAGS, INHERITED FLAGS (the global
 * ones, on every subcommand), COMMANDS (grouped on the main page), LEARN MORE. Commander builds the terms
 * and wraps the text; only the order and the headings are ours.
 */

const examplesOf = new WeakMap<Command, readonly string[]>();

/** Attaches examples to a command's help page: each line "airtime … # what it does" or just the command. */
export function withExamples<T extends Command>(command: T, examples: readonly string[]): T {
  examplesOf.set(command, examples);
  return command;
}

export function examples(command: Command): readonly string[] {
  return examplesOf.get(command) ?? [];
}

const exitCodes = 'Exit codes: 0 ok · 1 failed · 2 usage · 3 invalid input · 4 configuration/auth · 5 partly done · 130 cancelled';

/** "airtime config set" for a command. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/**
 * An example as a shell reads it, within the terminal's width: a long one continues on the next line after
 * " \\" (a shell joins the lines), so that it still runs as shown when copied — never cut, never wrapped mid-word.
 */
export function wrapExample(line: string, width: number): string[] {
  const words = line.match(/"[^"]*"|'[^']*'|\S+/g) ?? [line];
  const lines: string[] = [];
  let current = '  $';
  for (const word of words) {
    if (current !== '  $' && current.length + 1 + word.length + 2 > width) {
      lines.push(`${current} \\`);
      current = `      ${word}`;
    } else current = `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}

export function formatHelp(command: Command, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  const subcommands = helper.visibleCommands(command);
  // The version flag is the program's own business, not every subcommand's.
  const inherited = helper.visibleGlobalOptions(command).filter((option) => option.long !== '--version');
  const terms = {
    arguments: helper.visibleArguments(command).map((argument) => [helper.argumentTerm(argument), helper.argumentDescription(argument)] as const),
    // As gh lists them: the name alone (its own page has the usage).
    commands: subcommands.map((sub) => [sub.name(), helper.subcommandDescription(sub), sub.helpGroup() || 'COMMANDS'] as const),
    flags: helper.visibleOptions(command).map((option) => [helper.optionTerm(option), helper.optionDescription(option)] as const),
    inherited: inherited.map((option) => [helper.optionTerm(option), helper.optionDescription(option)] as const),
  };
  const termWidth = Math.max(0, ...[...terms.arguments, ...terms.commands, ...terms.flags, ...terms.inherited].map(([term]) => helper.displayWidth(term)));
  const item = ([term, description]: readonly [string, string, ...unknown[]]) => helper.formatItem(term, termWidth, description, helper);
  const section = (title: string, lines: readonly string[]) => (lines.length ? [helper.styleTitle(title), ...lines, ''] : []);
  const out: string[] = [];

  const description = helper.commandDescription(command);
  if (description) out.push(helper.boxWrap(helper.styleCommandDescription(description), width), '');
  out.push(
    ...section(
      'EXAMPLES',
      examples(command).flatMap((line) => wrapExample(line, width)),
    ),
  );
  out.push(...section('USAGE', [`  ${helper.styleUsage(helper.commandUsage(command).replace('[options]', '[flags]'))}`]));
  out.push(...section('ARGUMENTS', terms.arguments.map(item)));
  const groups = new Map<string, (typeof terms.commands)[number][]>();
  for (const entry of terms.commands) groups.set(entry[2], [...(groups.get(entry[2]) ?? []), entry]);
  for (const [group, members] of groups) out.push(...section(group, members.map(item)));
  out.push(...section('FLAGS', terms.flags.map(item)));
  out.push(...section('INHERITED FLAGS', terms.inherited.map(item)));

  const path = commandPath(command);
  const learn = subcommands.length
    ? [`  Use 'airtime help ${path === 'airtime' ? '' : `${path.replace(/^airtime /, '')} `}<command>' for more about a command.`]
    : [];
  if (!command.parent) learn.push('  The README has the walkthroughs; shell completion: airtime completion --help');
  learn.push(`  ${exitCodes}`);
  out.push(...section('LEARN MORE', learn));
  return out.join('\n');
}
