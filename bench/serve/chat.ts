// POST /v1/chat/completions: messages through the model's chat template, one choice.
import type { ServerResponse } from 'node:http';
import type { ChatMessage } from '../../models';
import { responseId, type Call } from './call';
import { checkModel, unixTime, type ServeContext } from './context';
import { SseStream, sendJson } from './http-io';
import { ChatCompletionRequestSchema, parseRequest, type ChatCompletionRequest } from './schemas';
import { resolveMaxTokens, samplingOf, stopsOf, usageOf } from './sampling';

// Without max_tokens a chat answer may use the rest of the context, as in OpenAI's API.
const CHAT_DEFAULT_MAX_TOKENS = Number.MAX_SAFE_INTEGER;

function toChatMessage(m: ChatCompletionRequest['messages'][number]): ChatMessage {
  const content = typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
  return { role: m.role === 'developer' ? 'system' : m.role, content };
}

export async function handleChat(ctx: ServeContext, call: Call, body: unknown, res: ServerResponse): Promise<void> {
  const r = parseRequest(ChatCompletionRequestSchema, body);
  checkModel(ctx, r.model);
  const promptTokenIds = ctx.engine.tokenizer.encodeChat(r.messages.map(toChatMessage));
  const maxTokens = resolveMaxTokens(ctx.limits, promptTokenIds.length, r.max_completion_tokens ?? r.max_tokens, CHAT_DEFAULT_MAX_TOKENS, 'messages');
  const gen = { promptTokenIds, sampling: samplingOf(r, maxTokens), stopStrings: stopsOf(r.stop) };
  const id = responseId('chatcmpl');
  const head = { id, created: unixTime(), model: ctx.modelName };

  if (!r.stream) {
    const result = await call.generate(id, gen);
    sendJson(res, 200, {
      ...head,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: result.finishReason }],
      usage: usageOf([result]),
    });
    return;
  }

  const sse = new SseStream(res);
  const chunk = (delta: Record<string, string>, finishReason: string | null) => ({
    ...head,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  sse.send(chunk({ role: 'assistant', content: '' }, null));
  try {
    const result = await call.generate(id, { ...gen, onText: (text) => sse.send(chunk({ content: text }, null)) });
    sse.send(chunk({}, result.finishReason));
    if (r.stream_options?.include_usage) sse.send({ ...head, object: 'chat.completion.chunk', choices: [], usage: usageOf([result]) });
    sse.end();
  } catch (err) {
    sse.end(ctx.failure(err));
  }
}
