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
