import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { holderOnThisHost, processStart } from '../../src/transfers/ownership.js';

describe('what this host knows of a lease holder', () => {
  it('a live process with the start it recorded is alive; the same pid started at another time is another process', () => {
    const started = processStart(process.pid);
    expect(holderOnThisHost({ host: hostname(), pid: process.pid, started: started ?? null })).toBe('alive');
    if (started !== undefined) {
      expect(started).toMatch(/^linux:[0-9a-f-]+:\d+$/);
      expect(holderOnThisHost({ host: hostname(), pid: process.pid, started: `${started}0` })).toBe('gone');
    }
  });

  it('a process that exited is gone; a holder on another host is for the lease to decide', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    await once(child, 'exit');
    expect(holderOnThisHost({ host: hostname(), pid, started: null })).toBe('gone');
    expect(holderOnThisHost({ host: `${hostname()}-elsewhere`, pid: process.pid, started: null })).toBeUndefined();
  });
});
