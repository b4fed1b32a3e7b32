import type { GlobalOptions } from '../global-options.js';
import { callbackUrl, postCallback } from '../callbacks/post.js';
import type { ShapedCallback } from '../callbacks/shapes.js';
import { hmacSignature, sandboxSignatureHeader } from '../callbacks/verify.js';
import { ExitCode, invalidInput } from '../core/errors.js';
import type { CallbackEventQuery, CallbackEventRecord } from '../journal/journal.js';
import { isProviderName } from '../providers/names.js';
import { AppContext } from '../transfers/context.js';
import { findTransfer } from '../transfers/lookup.js';
import type { IO } from '../ui/io.js';
import { safeText } from '../ui/safe-text.js';
import { signingFor } from '../callbacks/signing.js';

interface ReplayOptions extends GlobalOptions {
  to: string;
  pathToken?: string;
}

/**
 * `airtime callbacks replay <reference|batch> --to URL`: posts again the bodies the journal kept of a
 * transfer's (or a batch's) callbacks, in the order they arrived — signed again where the route wants a
 * signature. A listener on the same journal answers each as a duplicate: the proof that it is idempotent.
 */
export default async function replay(io: IO, target: string, options: ReplayOptions): Promise<number> {
  const context = AppContext.open(options, { warn: (line) => io.err(line) });
  try {
    const { journal } = context;
    const batch = await journal.batch(target);
    const transfer = batch ? undefined : await findTransfer(context, target, options);
    const query: CallbackEventQuery = batch ? { batchId: batch.id } : { transferIds: [transfer?.id ?? 0] };
    const profile = batch?.profile ?? transfer?.profile;
    const events: CallbackEventRecord[] = [];
    for (let afterId = 0, pages = 0; pages < 10_000; pages += 1) {
      const page = await journal.callbackEvents({ ...query, afterId, limit: 500 });
      // The journal's mark that a repeat arrived is not a callback of its own.
      events.push(...page.filter((event) => !event.flags.includes('duplicate')));
      if (page.length < 500) break;
      afterId = page[page.length - 1]?.id ?? afterId;
    }
    if (events.length === 0) throw invalidInput(`no callbacks are journaled for ${batch ? `batch ${batch.id}` : `transfer ${target}`}: nothing to replay`);
    const pathToken = options.pathToken ?? process.env.AIRTIME_CALLBACK_TOKEN;
    const results: { event: number; url: string; status: number | string }[] = [];
    for (const event of events) {
      const provider = event.kind.slice('callback:'.length);
      if (!isProviderName(provider)) continue;
      const shaped = reshape(provider, event.rawPayload ?? '', signingFor(context.settings.paths, provider, profile));
      const url = callbackUrl(options.to, provider, pathToken);
      let status: number | string;
      try {
        status = (await postCallback(url, shaped)).status;
      } catch (error) {
        status = `error: ${(error as { code?: string }).code ?? String(error)}`;
      }
      results.push({ event: event.id, url: url.toString(), status });
      if (!io.json)
        io.out(
          `--> POST ${url.toString()}  ${provider} ${event.toStatus ?? '—'} for ${safeText(event.transfer?.reference ?? '—')} (event ${event.id})  <-- ${status}`,
        );
    }
    if (io.json) io.printJson({ target, replayed: results });
    const ok = results.filter((result) => typeof result.status === 'number' && result.status >= 200 && result.status < 300).length;
    return ok === results.length ? ExitCode.ok : ok === 0 ? ExitCode.failed : ExitCode.partial;
  } finally {
    await context.close();
  }
}

/** The journaled body as it is sent again: JSON as kept, or the raw text of a body that was not JSON. */
function reshape(provider: ShapedCallback['provider'], stored: string, signing: ReturnType<typeof signingFor>): ShapedCallback {
  let body = stored;
  let contentType = 'application/json';
  try {
    const value = JSON.parse(stored) as unknown;
    if (value && typeof value === 'object' && Object.keys(value).length === 1 && typeof (value as { raw?: unknown }).raw === 'string') {
      body = (value as { raw: string }).raw;
      contentType = 'text/plain';
    }
  } catch {
    contentType = 'text/plain';
  }
  const headers: Record<string, string> = {};
  if (provider === 'zw' && signing.zwSecret) headers['x-airtime-signature'] = hmacSignature(body, signing.zwSecret);
  if (provider === 'sandbox' && signing.sandboxKey) headers[sandboxSignatureHeader] = hmacSignature(body, signing.sandboxKey);
  return { provider, body, contentType, headers };
}
