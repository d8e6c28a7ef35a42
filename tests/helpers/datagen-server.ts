/**
 * A fake OpenAI-compatible server on loopback for datagen tests: /v1/models and
 * /v1/chat/completions, answering each prompt with the datagen responder. It records the
 * prompts it saw, and can call a hook on every request (to kill a client mid-run).
 */
import { startScriptedServer } from './fake-openai';
import { promptKind, respond, type PromptKind, type ResponderOptions } from './datagen-responder';

export interface FakeServer {
  baseUrl: string;
  seen: Array<{ kind: PromptKind; prompt: string }>;
  onRequest?: (count: number) => void;
  close(): Promise<void>;
}

export async function startFakeServer(opts: ResponderOptions = {}): Promise<FakeServer> {
  const state: FakeServer = { baseUrl: '', seen: [], close: async () => {} };
  const server = await startScriptedServer((prompt) => {
    state.seen.push({ kind: promptKind(prompt), prompt });
    state.onRequest?.(state.seen.length);
    return respond(prompt, opts);
  }, 'fake-datagen');
  state.baseUrl = server.baseUrl;
  state.close = server.close;
  return state;
}

export { runCliAsync } from './cli';
export type { AsyncCliResult } from './cli';
