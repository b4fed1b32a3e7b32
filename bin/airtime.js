#!/usr/bin/env node
// Kept tiny: start-up time is a feature (docs/performance.md). `--version` is answered without loading the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { run } = await import('../dist/cli.js');
  try {
    process.exitCode = await run(process.argv);
  } catch (error) {
    process.stderr.write(`airtime: unexpected error: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  }
}
