// Baseline: a bare csv-parse pass over the file, nothing else. Prints {rows, ms}.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const started = performance.now();
let rows = 0;
for await (const record of createReadStream(process.argv[2]).pipe(parse({ bom: true, delimiter: ',', relax_column_count: true }))) {
  if (record.length) rows += 1;
}
process.stdout.write(`${JSON.stringify({ rows: rows - 1, ms: performance.now() - started })}\n`);
