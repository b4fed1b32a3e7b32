#!/usr/bin/env node
// Kept tiny: start-up time is a feature (see docs/performance.md).
import { run } from '../dist/cli.js';

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`airtime: unexpected error: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
