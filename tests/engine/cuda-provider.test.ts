import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cudaProviderInstalled, onnxruntimeNativeDir } from '../helpers/cuda';

// tests/engine/errors.test.ts skips its "CUDA cannot load" case by this check.
describe('cudaProviderInstalled', () => {
  it('is true only once the CUDA provider library sits beside onnxruntime-node\'s CPU library', () => {
    const bin = onnxruntimeNativeDir(mkdtempSync(path.join(os.tmpdir(), 'ipd-ort-')));
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'libonnxruntime.so.1'), '');
    expect(cudaProviderInstalled(bin)).toBe(false);
    writeFileSync(path.join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'), '');
    expect(cudaProviderInstalled(bin)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('looks in the folder that holds the installed CPU library', () => {
    expect(existsSync(path.join(onnxruntimeNativeDir(), 'libonnxruntime.so.1'))).toBe(true);
  });
});
