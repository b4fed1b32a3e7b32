import { Linter, RuleTester } from 'eslint';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import mustUseResult from '../../eslint-rules/must-use-result.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

// Samples are linted as test/fixtures/must-use/file.ts, inside a tiny project of their own, so the type checker
// sees them (and claims.ts beside it) without loading the whole repository. The project service, not
// `project`: with CI=true typescript-eslint assumes a single lint run and builds the program once from the
// files on disk, so a sample's import of claims.ts was never followed and the imported case failed only in CI.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'must-use');
const filename = join(fixtures, 'file.ts');
const languageOptions = {
  parser: tseslint.parser,
  parserOptions: { projectService: true, tsconfigRootDir: fixtures },
};

const declarations = `
import { claim, note } from './claims.js';
interface Provider {
  /** @mustUse the provider's answer: every outcome must reach the journal */
  send(items: string[]): Promise<string[]>;
  status(): Promise<string>;
}
declare class Journal {
  /**
   * The write-ahead step.
   * @mustUse only the references returned were claimed
   */
  markSending(references: string[]): string[];
  get(reference: string): string | undefined;
}
/** @mustUse */
declare function lease(batch: string): boolean;
/** @mustUse the count of rows that were new */
const createMany = (rows: string[]): number => rows.length;
/** Overloads: the tag on the implementation covers every call. */
function pick(key: string): string;
function pick(key: number): string;
/** @mustUse picked */
function pick(key: string | number): string {
  return String(key);
}
declare const journal: Journal;
declare const maybe: Journal | undefined;
declare const provider: Provider;
declare const ready: boolean;
`;
const sample = (body: string) => `${declarations}\nexport async function sample(): Promise<unknown> {\n${body}\n}\n`;

new RuleTester({ languageOptions }).run('must-use-result', mustUseResult, {
  valid: [
    { name: 'a claim kept in a variable', filename, code: sample(`const claimed = journal.markSending(['k1']);\nreturn claimed;`) },
    {
      name: 'a claim read in a condition',
      filename,
      code: sample(`if (journal.markSending(['k1']).length === 0) throw new Error('claimed elsewhere');\nreturn null;`),
    },
    { name: 'a claim returned', filename, code: sample(`return journal.markSending(['k1']);`) },
    { name: 'an awaited answer kept', filename, code: sample(`const outcomes = await provider.send(['k1']);\nreturn outcomes;`) },
    { name: 'untagged calls ignored', filename, code: sample(`journal.get('k1');\nawait provider.status();\nnote('untagged');\nreturn null;`) },
    { name: 'an answer consumed by then()', filename, code: sample(`return provider.send(['k1']).then((outcomes) => outcomes.length);`) },
    { name: 'a tagged call on the right of && that is kept', filename, code: sample(`const held = ready && lease('b1');\nreturn held;`) },
  ],
  invalid: [
    {
      name: 'an ignored claim',
      filename,
      code: sample(`journal.markSending(['k1']);\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'markSending', why: 'only the references returned were claimed' } }],
    },
    {
      name: 'an ignored awaited answer',
      filename,
      code: sample(`await provider.send(['k1']);\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'send', why: "the provider's answer: every outcome must reach the journal" } }],
    },
    {
      name: 'a voided claim',
      filename,
      code: sample(`void journal.markSending(['k1']);\nreturn null;`),
      errors: [{ messageId: 'voided', data: { name: 'markSending', why: 'only the references returned were claimed' } }],
    },
    {
      name: 'a voided awaited answer',
      filename,
      code: sample(`void (await provider.send(['k1']));\nreturn null;`),
      errors: [{ messageId: 'voided' }],
    },
    {
      name: 'an imported tagged function',
      filename,
      code: sample(`claim(['k1']);\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'claim', why: 'only the references returned were claimed' } }],
    },
    {
      name: 'a tag with no reason',
      filename,
      code: sample(`lease('b1');\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'lease', why: 'its result is the proof the write happened' } }],
    },
    {
      name: 'a tagged arrow function',
      filename,
      code: sample(`createMany(['a']);\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'createMany', why: 'the count of rows that were new' } }],
    },
    {
      name: 'an overloaded function tagged on its implementation',
      filename,
      code: sample(`pick('a');\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'pick', why: 'picked' } }],
    },
    { name: 'an optional call', filename, code: sample(`maybe?.markSending(['k1']);\nreturn null;`), errors: [{ messageId: 'ignored' }] },
    { name: 'a call as an if body', filename, code: sample(`if (ready) journal.markSending(['k1']);\nreturn null;`), errors: [{ messageId: 'ignored' }] },
    { name: 'a call on the right of &&', filename, code: sample(`ready && journal.markSending(['k1']);\nreturn null;`), errors: [{ messageId: 'ignored' }] },
    {
      name: 'both branches of a conditional',
      filename,
      code: sample(`ready ? lease('a') : lease('b');\nreturn null;`),
      errors: [{ messageId: 'ignored' }, { messageId: 'ignored' }],
    },
    {
      name: 'an answer whose value passes through catch()',
      filename,
      code: sample(`await provider.send(['k1']).catch(() => []);\nreturn null;`),
      errors: [{ messageId: 'ignored', data: { name: 'send', why: "the provider's answer: every outcome must reach the journal" } }],
    },
  ],
});

describe('must-use-result with the project config', () => {
  // As eslint.config.js registers it: a disable comment silences it only when it gives a reason.
  const config: Linter.Config[] = [
    comments.recommended,
    {
      files: ['**/*.ts'],
      languageOptions,
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      plugins: { local: { rules: { 'must-use-result': mustUseResult } } },
      rules: { 'local/must-use-result': 'error', '@eslint-community/eslint-comments/require-description': 'error' },
    },
  ];
  const lint = (body: string) => new Linter().verify(sample(body), config, filename).map((message) => message.ruleId);

  it('accepts a voided call whose disable comment gives a reason', () => {
    expect(lint(`// eslint-disable-next-line local/must-use-result -- the claim is re-read below\nvoid journal.markSending(['k1']);\nreturn null;`)).toEqual(
      [],
    );
  });

  it('refuses a disable comment without a reason', () => {
    expect(lint(`// eslint-disable-next-line local/must-use-result\nvoid journal.markSending(['k1']);\nreturn null;`)).toEqual([
      '@eslint-community/eslint-comments/require-description',
    ]);
  });

  it('reports an ignored claim', () => {
    expect(lint(`journal.markSending(['k1']);\nreturn null;`)).toEqual(['local/must-use-result']);
  });
});
