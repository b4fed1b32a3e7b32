// ESLint flat config: type-aware rules for the TypeScript, the plain recommended set for the few .js/.mjs files.
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import mustUseResult from './eslint-rules/must-use-result.js';

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
  {
    // The pure domain: no I/O and nothing of the rest of the project (DESIGN.md, "Layers").
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*'], message: 'src/core imports nothing of the project outside src/core.' },
            {
              group: ['node:fs', 'node:fs/*', 'node:http', 'node:https', 'node:net', 'node:child_process', 'node:process', 'undici', 'better-sqlite3'],
              message: 'src/core is pure: no I/O.',
            },
          ],
        },
      ],
    },
  },
);
