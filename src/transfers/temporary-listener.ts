import { startListener } from '../callbacks/listener.js';
import { startSandboxCallbacks } from '../sim/sandbox-callbacks.js';
import { printCallback } from '../ui/callback-line.js';
import type { IO } from '../ui/io.js';
import type { AppContext } from './context.js';

/**
 * For `send --wait` and `bulk --wait`: a listener on a free loopback port for as long as the command
 * waits, printing each final status as it arrives (on stderr; stdout keeps the command's result). Only
 * the embedded sandbox can be pointed at it; real providers call the URL set in their dashboards, so for
 * them the wait relies on status queries alone.
 */
export async function startTemporaryListener(context: AppContext, io: IO): Promise<{ stop(): Promise<void> }> {
  if (context.settings.provider !== 'sandbox') return { stop: async () => {} };
  const listener = await startListener({
    journal: context.journal,
    onCallback: (line) => {
      if (!io.json) printCallback(io, line, 'text', true);
    },
  });
  const pump = startSandboxCallbacks(context.settings.paths.sandboxFile, listener.url, 50);
  return {
    async stop() {
      await pump.stop();
      await listener.idle();
      await listener.close();
    },
  };
}
