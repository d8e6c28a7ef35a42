import type { WebEngineInfo } from '../engine/web-engine';
import { byId } from './dom';

export function describeBackend(info: WebEngineInfo): string {
  if (info.engine === 'web-llm') return 'WebLLM on WebGPU';
  if (info.device === 'webgpu') return `WebGPU${info.adapter ? ` (${info.adapter})` : ''}, KV cache on the GPU`;
  return `WASM, ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
}

export function showBackend(info: WebEngineInfo | undefined): void {
  const badge = byId('backend');
  badge.textContent = info ? `Backend: ${describeBackend(info)}` : 'Backend: no model loaded';
  badge.dataset.device = info ? info.device : 'none';
  badge.dataset.engine = info?.engine ?? '';
  badge.dataset.threads = String(info?.threads ?? 0);
  badge.title = info ? [info.reason, ...info.notes].join('\n') : '';
}

export function showIsolation(): void {
  const isolated = globalThis.crossOriginIsolated === true;
  const badge = byId('isolation');
  badge.textContent = isolated ? 'cross-origin isolated: WASM threads available' : 'not cross-origin isolated: WASM runs one thread';
  badge.dataset.isolated = String(isolated);
}
