import type { CallbackLine } from '../callbacks/line.js';
import { startListener } from '../callbacks/listener.js';
import { sandboxCallbackKey } from '../callbacks/sandbox-key.js';
import { CallbackSpool } from '../callbacks/spool.js';
import { hmacSignature, sandboxSignatureHeader } from '../callbacks/verify.js';
import type { Batch } from '../journal/batch.js';
import type { Transfer } from '../journal/transfer.js';
import { startSandboxCallbacks } from '../sim/sandbox-callbacks.js';
import type { AppContext } from './context.js';

/** What a wait is about: one transfer (`send --wait`) or one batch (`bulk --wait`). */
export type WaitSubject = { readonly transfer: Transfer } | { readonly batch: Batch };

/**
 * For `send --wait` and `bulk --wait`: a listener on a free loopback port for as long as the command
 * waits, handing `onLine` each final status of its own transfer or batch as it arrives (the command prints
 * it) — and nothing else: the sandbox's settlements are read with this listener's own
 * cursor, filtered to the subject, while a running `serve-callbacks` still sees every one of them. Only the
 * embedded sandbox can be pointed at it; real providers call the URL set in their dashboards, so for them
 * the wait relies on status queries alone.
 */
export async function startTemporaryListener(
  context: AppContext,
  subject: WaitSubject,
  onLine: (line: CallbackLine) => void,
): Promise<{ stop(): Promise<void> }> {
  const owner = 'transfer' in subject ? subject.transfer : subject.batch;
  if (owner.provider !== 'sandbox') return { stop: async () => {} };
  const references =
    'transfer' in subject
      ? new Set([subject.transfer.reference])
      : new Set((await context.journal.list({ batchId: subject.batch.id })).map((transfer) => transfer.reference));
  const { paths } = context.settings;
  const key = sandboxCallbackKey(paths.dataDir);
  const listener = await startListener({
    journal: context.journal,
    providers: ['sandbox'],
    accounts: [{ id: owner.account, provider: 'sandbox', profile: owner.profile, endpoint: 'embedded', principal: null }],
    sandboxKey: key,
    spool: CallbackSpool.in(paths.dataDir),
    onCallback: (line) => {
      if (line.reference === null || references.has(line.reference)) onLine(line);
    },
  });
  const pump = startSandboxCallbacks({
    sandboxFile: paths.sandboxFile,
    listenerUrl: listener.url,
    sign: (body) => ({ [sandboxSignatureHeader]: hmacSignature(body, key) }),
    accept: (transfer) => references.has(transfer.key),
    intervalMs: 50,
  });
  return {
    async stop() {
      await pump.stop();
      await listener.close();
    },
  };
}
