import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RootCommand, script, type Complete } from '@bomb.sh/tab';
import type { Command, Option } from 'commander';
import { allSettingKeys } from './config/schema.js';
import { airtimePaths } from './config/paths.js';
import { ConfigStore, defaultProfileName } from './config/store.js';
import { knownCurrencies } from './core/currency.js';
import { ExitCode } from './core/errors.js';
import { transferStates } from './core/transfer-state.js';
import { choiceOf } from './cli/command.js';
import { openSqliteJournal } from './journal/open.js';
import { providerNames } from './providers/names.js';

/**
 * Shell completion through @bomb.sh/tab (the completion engine Vitest, Nuxt and Astro ship): its scripts
 * for bash, zsh, fish and PowerShell call `airtime complete -- <words>` on each Tab, and the answer is
 * built here from the commander program itself — commands, subcommands and every flag — plus the values
 * only this machine knows: profile names, provider names, batch ids, recent references, setting keys.
 */

export const shells = ['bash', 'zsh', 'fish', 'powershell'] as const;

export function printCompletionScript(shell: string): number {
  choiceOf('shell', shells)(shell);
  script(shell, 'airtime', 'airtime');
  return ExitCode.ok;
}

type Values = (complete: Complete, typed: string) => void;

const each =
  (values: () => readonly (string | readonly [string, string])[]): Values =>
  (complete) => {
    for (const value of values()) {
      if (typeof value === 'string') complete(value, '');
      else complete(value[0], value[1]);
    }
  };

function profileNames(): string[] {
  const saved = Object.keys(new ConfigStore(airtimePaths()).profiles());
  return saved.includes(defaultProfileName) ? saved : [defaultProfileName, ...saved];
}

/** Reads the journal only if there is one: a Tab must never create files. */
function fromJournal<T>(read: (journal: ReturnType<typeof openSqliteJournal>) => Promise<T[]>): () => Promise<T[]> {
  return async () => {
    const file = airtimePaths().journalFile;
    if (!existsSync(file)) return [];
    const journal = openSqliteJournal(file);
    try {
      return await read(journal);
    } finally {
      await journal.close();
    }
  };
}

const recentBatches = fromJournal(async (journal) =>
  (await journal.batches(50)).map((batch) => [batch.id, `${batch.fileName}, ${batch.rows} rows, ${batch.createdAt.slice(0, 10)}`] as const),
);
const recentReferences = fromJournal(async (journal) =>
  (await journal.list({ limit: 50 })).map((transfer) => [transfer.reference, `${transfer.status} ${transfer.phone}`] as const),
);

/** Payout files: CSVs and folders under what was typed so far (the scripts turn off the shell's own file completion). */
const csvFiles: Values = (complete, typed) => {
  const folder = typed.includes('/') ? dirname(`${typed}x`) : '.';
  const prefix = typed.includes('/') ? `${folder}/` : '';
  let entries;
  try {
    entries = readdirSync(folder === '' ? '/' : folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.') && !basename(typed).startsWith('.')) continue;
    if (entry.isDirectory()) complete(`${prefix}${entry.name}/`, 'folder');
    else if (/\.(csv|tsv|txt)$/i.test(entry.name)) complete(join(prefix, entry.name), 'file');
  }
};

const settingKeyValues = () => [
  ...allSettingKeys.filter((key) => !key.includes('<')),
  ...knownCurrencies().flatMap((currency) => [`limits.${currency}.min`, `limits.${currency}.max`, `large-run.${currency}`]),
];

/** Value completions by flag (long name) and by "command path:argument". */
function valueCompleters(batches: readonly (readonly [string, string])[], references: readonly (readonly [string, string])[]) {
  const batchIds = each(() => batches);
  const options: Record<string, Values> = {
    provider: each(() => providerNames),
    profile: each(profileNames),
    state: each(() => transferStates),
    format: each(() => ['text', 'json']),
    resume: batchIds,
    batch: batchIds,
    'until-complete': batchIds,
    'errors-out': csvFiles,
    out: csvFiles,
  };
  const argumentsOf: Record<string, Values> = {
    'bulk:file': csvFiles,
    'batch show:batch': batchIds,
    'reconcile:batch': batchIds,
    'status:reference': each(() => references),
    'resolve:reference': each(() => references),
    'profile use:name': each(profileNames),
    'profile remove:name': each(profileNames),
    'config set:key': each(settingKeyValues),
    'config get:key': each(settingKeyValues),
    'config unset:key': each(settingKeyValues),
    'completion:shell': each(() => shells),
  };
  return { options, argumentsOf };
}

function visible(command: Command): Command[] {
  return command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
}

/** Answers one Tab: what may come next after `words` (the last word is what is being typed, maybe ""). */
export async function complete(program: Command, words: readonly string[]): Promise<number> {
  const needsJournal = words.some((word) => /^(--resume|--batch|--until-complete|show|reconcile|status|resolve)$/.test(word));
  const [batches, references] = needsJournal ? await Promise.all([recentBatches().catch(() => []), recentReferences().catch(() => [])]) : [[], []];
  const typed = words.at(-1) ?? '';
  const { options, argumentsOf } = valueCompleters(batches, references);
  const root = new RootCommand();

  const addOptions = (target: { option: RootCommand['option'] }, list: readonly Option[]) => {
    for (const option of list) {
      if (option.hidden || !option.long) continue;
      const name = option.long.replace(/^--/, '');
      const short = option.short?.replace(/^-/, '');
      const takesValue = option.required || option.optional;
      if (takesValue) {
        const values = options[name];
        target.option(name, option.description, (completeValue) => values?.(completeValue, typed.includes('=') ? (typed.split('=')[1] ?? '') : typed), short);
      } else {
        target.option(name, option.description, short ?? '');
      }
    }
  };
  addOptions(root, program.options);

  const walk = (command: Command, path: string) => {
    for (const sub of visible(command)) {
      const subPath = path ? `${path} ${sub.name()}` : sub.name();
      const node = root.command(subPath, sub.description());
      addOptions(node, [...sub.options, ...program.options]);
      for (const argument of sub.registeredArguments) {
        const values = argumentsOf[`${subPath}:${argument.name()}`];
        node.argument(argument.name(), values ? (completeValue) => values(completeValue, typed) : undefined, argument.variadic);
      }
      walk(sub, subPath);
    }
  };
  walk(program, '');
  const help = root.command('help', 'show help for a command');
  const commandNames = each(() => visible(program).map((sub) => [sub.name(), sub.description()] as const));
  help.argument('command', (completeValue) => commandNames(completeValue, typed));

  root.parse([...words]);
  return ExitCode.ok;
}
