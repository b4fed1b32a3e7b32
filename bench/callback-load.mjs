// Load generator: posts N signed zw webhooks (one per transfer) at a concurrency; prints {ok, failed, ms}.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';

const [url, countText, concurrencyText, secret] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
const bodies = Array.from({ length: count }, (_, index) => {
  const body = JSON.stringify({
    event: 'order.updated',
    order: {
      id: `ord_${index}`,
      agent_reference: `cb-${index}`,
      product_id: 100,
      target: '0772279099',
      amount: 1,
      currency: 'USD',
      status: 'success',
      provider_ref: `ZWP${index}`,
      message: null,
      created_at: '2026-11-22T00:00:00Z',
      updated_at: '2026-11-22T00:00:01Z',
    },
  });
  return { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
});
let next = 0;
let ok = 0;
let failed = 0;
const started = performance.now();
async function worker() {
  while (next < count) {
    const { body, signature } = bodies[next++];
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-airtime-signature': signature },
        body,
      });
      await response.body.dump();
      if (response.statusCode === 200) ok += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
process.stdout.write(`${JSON.stringify({ ok, failed, ms: performance.now() - started })}\n`);
await agent.close();
