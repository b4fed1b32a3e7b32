// Baseline: the same zw order requests a bulk run sends, from a bare undici loop at the same concurrency.
import { Agent, request } from 'undici';

const [base, countText, concurrencyText, apiKey] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
let next = 0;
let ok = 0;
const started = performance.now();
async function worker() {
  while (next < count) {
    const index = next++;
    const body = `{"product_id":100,"target":"077${String(index * 10 + 5).padStart(7, '0')}","amount":1.00,"agent_reference":"bare-${index}"}`;
    const response = await request(`${base}/api/v1/orders`, {
      dispatcher: agent,
      method: 'POST',
      headers: { authorization: `Api-Key ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body,
    });
    JSON.parse(await response.body.text());
    if (response.statusCode < 300) ok += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
process.stdout.write(`${JSON.stringify({ ok, ms: performance.now() - started })}\n`);
await agent.close();
