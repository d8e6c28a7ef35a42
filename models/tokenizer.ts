import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { IpdError } from '../common';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The tokenizer surface the project uses, over a transformers.js tokenizer (which also
 * renders the model's chat template). Pathways hand in text or messages, get back ids.
 */
export interface TextTokenizer {
  /** Tokenizes as the tokenizer does by default (BOS added when its config says so). */
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** Renders the chat template with the generation prompt appended, then tokenizes it. */
  encodeChat(messages: readonly ChatMessage[]): number[];
  renderChat(messages: readonly ChatMessage[]): string;
  decode(ids: ArrayLike<number>, opts?: { skipSpecialTokens?: boolean }): string;
  readonly hasChatTemplate: boolean;
  readonly padTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
}

export function wrapTokenizer(tok: PreTrainedTokenizer, source: string): TextTokenizer {
  const t = tok as unknown as {
    encode(text: string, o?: { add_special_tokens?: boolean }): number[];
    decode(ids: number[], o?: { skip_special_tokens?: boolean }): string;
    apply_chat_template(m: unknown, o: Record<string, unknown>): unknown;
    chat_template?: unknown;
    pad_token_id?: number;
    eos_token_id?: number;
    bos_token_id?: number;
  };
  const hasChatTemplate = Boolean(t.chat_template);
  const requireTemplate = () => {
    if (!hasChatTemplate) {
      throw new IpdError('MODEL_INVALID', `the tokenizer in ${source} has no chat template`, {
        file: source,
        field: 'chat_template',
        hint: 'use --raw, or a model whose tokenizer_config.json has a chat_template',
      });
    }
  };
  return {
    encode: (text, opts = {}) => t.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }),
    encodeChat(messages) {
      requireTemplate();
      const ids = t.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false });
      return Array.from(ids as number[]);
    },
    renderChat(messages) {
      requireTemplate();
      return t.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false }) as string;
    },
    decode: (ids, opts = {}) => (ids.length === 0 ? '' : t.decode(Array.from(ids), { skip_special_tokens: opts.skipSpecialTokens ?? false })),
    hasChatTemplate,
    padTokenId: t.pad_token_id ?? undefined,
    eosTokenId: t.eos_token_id ?? undefined,
    bosTokenId: t.bos_token_id ?? undefined,
  };
}

/** Loads the tokenizer of a model folder (absolute path) or URL base through transformers.js. */
export async function loadTokenizer(dirOrId: string): Promise<TextTokenizer> {
  const { AutoTokenizer } = await import('@huggingface/transformers');
  try {
    return wrapTokenizer(await AutoTokenizer.from_pretrained(dirOrId), dirOrId);
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `cannot load the tokenizer of ${dirOrId}: ${(err as Error).message}`, {
      file: dirOrId,
      hint: 'the folder needs tokenizer.json and tokenizer_config.json',
      cause: err,
    });
  }
}
