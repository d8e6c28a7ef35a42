import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { IpdError } from '../../common';
import { wrapTokenizer, type TextTokenizer } from '../../models';

type TokenizerClass = new (tokenizerJson: unknown, tokenizerConfig: unknown) => PreTrainedTokenizer;

/**
 * Builds the tokenizer from the folder's two JSON files, choosing the class the way
 * transformers.js' AutoTokenizer does (tokenizer_class without "Fast", else the base class),
 * so the ids equal what the Node side's AutoTokenizer.from_pretrained gives. Files already
 * read from a URL or a picked folder need no second fetch through transformers' hub code.
 */
export async function createTokenizer(tokenizerJson: unknown, tokenizerConfig: Record<string, unknown>, source: string): Promise<TextTokenizer> {
  const mod = (await import('@huggingface/transformers')) as unknown as Record<string, unknown>;
  const named = typeof tokenizerConfig.tokenizer_class === 'string' ? tokenizerConfig.tokenizer_class.replace(/Fast$/, '') : 'PreTrainedTokenizer';
  const candidate = mod[named];
  const Cls = (typeof candidate === 'function' && /Tokenizer$/.test(named) ? candidate : mod.PreTrainedTokenizer) as TokenizerClass;
  try {
    return wrapTokenizer(new Cls(tokenizerJson, tokenizerConfig), source);
  } catch (err) {
    throw new IpdError('MODEL_INVALID', `cannot build the tokenizer of ${source}: ${(err as Error).message}`, {
      file: 'tokenizer.json',
      hint: 'tokenizer.json and tokenizer_config.json must come from the same model',
      cause: err,
    });
  }
}
