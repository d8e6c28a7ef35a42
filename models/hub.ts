import { IpdError } from '../common';
import type { ResolveModelOptions, ResolvedModel } from './resolve';

export interface HubOptions extends ResolveModelOptions {
  offline?: boolean;
}

/** A Hugging Face id: `org/name` (no path separators beyond the one). */
export function looksLikeHubId(s: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(s);
}

export async function resolveHubModel(id: string, _opts: HubOptions = {}): Promise<ResolvedModel> {
  throw new IpdError('MODEL_NOT_FOUND', `hub download of ${id} is not available yet`, { hint: 'pass a local model folder' });
}
