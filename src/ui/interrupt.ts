import { onStdoutClosed } from './streams.js';

/**
 * Ctrl-C (and SIGTERM) handling for commands that stop gracefully. `conf` → `atomically` → `when-exit`
 * hooks these signals once and raises them again at once, so one Ctrl-C arrives twice: a repeat within
 * 250 ms is the same keypress. A later one is the user insisting. A reader of stdout that went away
 * (`| head`) stops the command the same graceful way.
 */
export function onInterrupt(first: () => void, again?: () => void): () => void {
  let firstAt: number | undefined;
  const handler = () => {
    const now = Date.now();
    if (firstAt === undefined) {
      firstAt = now;
      first();
    } else if (now - firstAt > 250) {
      again?.();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const stopWatching = onStdoutClosed(() => {
    if (firstAt === undefined) handler();
  });
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    stopWatching();
  };
}
