// ESLint flat config: type-aware rules for the TypeScript, the plain recommended set for the few .js/.mjs files.
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import mustUseResult from './eslint-rules/must-use-result.js';

/**
 * The rooms of src/ and what each may not import (docs/ARCHITECTURE.md draws the same map). Data flows down:
 * commands → payouts → ui, transfers, batch → callbacks → providers, sim → journal → config → core.
 */
const higher = {
  core: ['config', 'journal', 'providers', 'sim', 'callbacks', 'batch', 'transfers', 'ui', 'payouts', 'commands'],
  config: ['journal', 'sim', 'callbacks', 'batch', 'transfers', 'ui', 'payouts', 'commands'],
  journal: ['sim', 'callbacks', 'batch', 'transfers', 'ui', 'payouts', 'commands'],
  providers: ['callbacks', 'batch', 'transfers', 'ui', 'payouts', 'commands'],
  sim: ['callbacks', 'batch', 'transfers', 'ui', 'payouts', 'commands'],
  callbacks: ['batch', 'transfers', 'ui', 'payouts', 'commands'],
  transfers: ['ui', 'payouts', 'commands'],
  batch: ['ui', 'payouts', 'commands'],
  ui: ['payouts', 'commands'],
  payouts: ['commands'],
};
const roomRules = [
  ...Object.entries(higher).map(([room, forbidden]) => ({
    files: [`src/${room}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: forbidden.map((other) => `../${other}/*`),
              message: `src/${room} may not import ${forbidden.join(', ')} (docs/ARCHITECTURE.md, "Rooms").`,
            },
            ...(room === 'core'
              ? [
                  { group: ['../*'], message: 'src/core imports nothing of the project outside src/core.' },
                  {
                    group: ['node:fs', 'node:fs/*', 'node:http', 'node:https', 'node:net', 'node:child_process', 'node:process', 'undici', 'better-sqlite3'],
                    message: 'src/core is pure: no I/O.',
                  },
                ]
              : []),
            ...(room === 'journal' ? [{ group: ['../providers/*', '!../providers/names.js'], message: 'the journal knows providers by name only.' }] : []),
          ],
        },
      ],
    },
  })),
  {
    // A flow two commands share lives in src/payouts (or below), never in a command another command imports.
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./*', '!./options.js'], message: 'a command imports no other command: shared flows live in src/payouts.' }] },
      ],
    },
  },
];

export default defineConfig(
  { ignores: ['dist/', 'coverage/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  comments.recommended,
  {
    rules: {
      // A disable comment says why: `// eslint-disable-next-line rule -- reason`.
      '@eslint-community/eslint-comments/require-description': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.ts'],
    plugins: { local: { rules: { 'must-use-result': mustUseResult } } },
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A `default` that maps anything else (an unknown provider word) is a decision, and counts as exhaustive.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/require-await': 'error',
      // `try { return send() } finally { close() }` closes before the send settles: await inside try.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // The compiler's convention (noUnusedLocals/noUnusedParameters): a leading `_` says "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'local/must-use-result': 'error',
    },
  },
  {
    // Vitest's asymmetric matchers (expect.stringContaining, expect.any) are typed `any` by design.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Output goes through src/ui (stdout for data, stderr for the rest); providers and the journal never print.
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  ...roomRules,
);
