// Loaded with --require: writes the process's peak RSS (KiB) to the file named by BENCH_RSS_FILE on exit.
const { writeFileSync } = require('node:fs');
const target = process.env.BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
