#!/usr/bin/env node
// Kept tiny: start-up time is a feature (docs/performance.md). `--version` is answered without loading the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  // `airtime --version | true`: a reader that went away is not an error (README); a full device is lost output.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE' || error.code === 'EIO') return;
    process.stderr.write(`error: the output could not be written to stdout (${error.code ?? error.message})\n`);
    process.exitCode = 4;
  });
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
