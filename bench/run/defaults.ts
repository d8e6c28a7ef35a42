import type { PathwayId } from '../../pathways';

/**
 * Output limits per pathway, chosen so real models are not cut off: Claude-3.5's
 * direct-response answers reach 344 tokens (p99 321, Llama-3 tokenizer), and the
 * attribute pathways add their attribute sections (all 12 values for two of them).
 */
export const DEFAULT_MAX_NEW_TOKENS: Readonly<Record<PathwayId, number>> = {
  'direct-response': 512,
  'type-guided': 640,
  'task-related': 640,
  'attribute-filter': 768,
  'full-attributes': 768,
};

/** The judge answers in two short bracketed lines. */
export const JUDGE_MAX_NEW_TOKENS = 128;
