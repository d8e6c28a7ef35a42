// Whether onnxruntime-node's CUDA execution provider is installed here: `ONNXRUNTIME_NODE_INSTALL=cuda12
// npm rebuild onnxruntime-node --ignore-scripts=false` downloads it beside the CPU library; `npm ci` (.npmrc) skips it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function onnxruntimeNativeDir(packageDir = path.resolve(path.dirname(createRequire(__filename).resolve('onnxruntime-node')), '..')): string {
  return path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
}

export function cudaProviderInstalled(nativeDir = onnxruntimeNativeDir()): boolean {
  return existsSync(path.join(nativeDir, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
}
