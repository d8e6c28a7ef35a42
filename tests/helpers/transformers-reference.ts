// transformers.js as the reference: the same folder, greedy `model.generate`, one request at a time.
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers';

export interface ReferenceModel {
  generate(promptIds: readonly number[], maxNewTokens: number): Promise<number[]>;
  dispose(): Promise<void>;
}

export async function loadTransformersReference(dir: string, dtype: 'fp32' | 'fp16' | 'q4' | 'q4f16' = 'fp32'): Promise<ReferenceModel> {
  const model = await AutoModelForCausalLM.from_pretrained(dir, { dtype, device: 'cpu' });
  return {
    async generate(promptIds, maxNewTokens) {
      const n = promptIds.length;
      const input_ids = new Tensor('int64', BigInt64Array.from(promptIds, (x) => BigInt(x)), [1, n]);
      const attention_mask = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
      const out = (await model.generate({ input_ids, attention_mask, max_new_tokens: maxNewTokens, do_sample: false })) as Tensor;
      return Array.from(out.data as BigInt64Array, Number).slice(n);
    },
    dispose: async () => {
      await model.dispose();
    },
  };
}
