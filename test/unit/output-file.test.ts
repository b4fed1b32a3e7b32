import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputFile, OutputFileError } from '../../src/output-file.js';

describe('an output file the system refuses', () => {
  it('fails with one error naming the file and the reason, never an unhandled error event', async () => {
    const file = new OutputFile('/dev/full');
    const written = (async () => {
      for (let index = 0; index < 100; index += 1) await file.write('x'.repeat(65_536));
      await file.close();
    })();
    await expect(written).rejects.toBeInstanceOf(OutputFileError);
    await expect(written).rejects.toThrow(/\/dev\/full could not be written \(ENOSPC: no space left on device, write\): the journal is not affected/);
  });
});

describe('an output file at a link made after the path was checked', () => {
  it('is refused (ELOOP), never written through: the file behind the link is untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airtime-out-'));
    try {
      writeFileSync(join(dir, 'precious'), 'precious\n');
      symlinkSync(join(dir, 'precious'), join(dir, 'results.csv'));
      const file = new OutputFile(join(dir, 'results.csv'));
      const written = (async () => {
        await file.write('phone,amount\n');
        await file.close();
      })();
      await expect(written).rejects.toThrow(/results\.csv could not be written \(ELOOP/);
      expect(readFileSync(join(dir, 'precious'), 'utf8')).toBe('precious\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
