import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MALLOC_ENV, createLlmEngine } from '../../engine/node';
import { resolveModelFolder } from '../../models/node';
import { ensureTinyModel } from '../helpers/tiny-model';

describe.runIf(process.platform === 'linux')('engine host process', () => {
  it('runs ORT in a forked process with the malloc settings, and gives the thread host the same tokens', async () => {
    const model = await resolveModelFolder(await ensureTinyModel({ preset: 'test' }));
    const proc = await createLlmEngine(model, { host: 'process', threads: 1 });
    const thread = await createLlmEngine(model, { host: 'thread', threads: 1 });
    try {
      const pid = proc.info.pid!;
      expect(pid).not.toBe(process.pid);
      expect(thread.info.pid).toBe(process.pid);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      for (const [k, v] of Object.entries(MALLOC_ENV)) expect(environ).toContain(`${k}=${v}`);
      const ids = proc.tokenizer.encode('The capital of France is');
      const [a, b] = await Promise.all([proc.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 8 } }), thread.generate({ promptTokenIds: ids, sampling: { maxNewTokens: 8 } })]);
      expect(a.tokenIds).toEqual(b.tokenIds);
    } finally {
      await proc.dispose();
      await thread.dispose();
    }
    // The host is gone after dispose.
    expect(() => process.kill(proc.info.pid!, 0)).toThrow();
  });
});
