// One measured process: transformers.js `model.generate` on the workload, as its users run
// it: static batches of 8 (left-padded, greedy), each batch running to its longest limit.
import { AutoModelForCausalLM, BaseStreamer, Tensor } from '@huggingface/transformers';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ImplResult } from './result';
import { normalizeOutput, type WorkloadRequest } from './workload';

const [workloadFile, modelDir, outFile, threadsArg, batchArg] = process.argv.slice(2);
const workload = JSON.parse(readFileSync(workloadFile, 'utf8')) as { requests: WorkloadRequest[]; eos: number[]; pad: number };
const threads = Number(threadsArg);
const batchSize = Number(batchArg);

/** Records when each step's tokens arrive: the first put is the prompt, the second ends prefill. */
class StepClock extends BaseStreamer {
  times: number[] = [];
  override put(): void {
    this.times.push(performance.now());
  }
  override end(): void {
    this.times.push(performance.now());
  }
}

const t0 = performance.now();
const model = await AutoModelForCausalLM.from_pretrained(modelDir, {
  dtype: 'fp32',
  device: 'cpu',
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
const loadMs = performance.now() - t0;

const outputs: Record<string, number[]> = {};
let prefillMs = 0;
let decodeMs = 0;
let decodeTokens = 0;
let generated = 0;
let promptTokens = 0;
const g0 = performance.now();
for (let b = 0; b < workload.requests.length; b += batchSize) {
  const batch = workload.requests.slice(b, b + batchSize);
  const S = Math.max(...batch.map((r) => r.promptIds.length));
  const ids = new BigInt64Array(batch.length * S).fill(BigInt(workload.pad));
  const mask = new BigInt64Array(batch.length * S);
  batch.forEach((r, i) => {
    const pad = S - r.promptIds.length;
    r.promptIds.forEach((t, j) => {
      ids[i * S + pad + j] = BigInt(t);
      mask[i * S + pad + j] = 1n;
    });
    promptTokens += r.promptIds.length;
  });
  const maxNew = Math.max(...batch.map((r) => r.maxNewTokens));
  const clock = new StepClock();
  const out = (await model.generate({
    input_ids: new Tensor('int64', ids, [batch.length, S]),
    attention_mask: new Tensor('int64', mask, [batch.length, S]),
    max_new_tokens: maxNew,
    do_sample: false,
    pad_token_id: workload.pad,
    streamer: clock as never,
  })) as Tensor;
  const steps = clock.times.length - 2; // prompt put and end() are not steps
  prefillMs += clock.times[1] - clock.times[0];
  decodeMs += clock.times[clock.times.length - 1] - clock.times[1];
  decodeTokens += Math.max(0, steps - 1) * batch.length;
  const data = out.data as BigInt64Array;
  const width = out.dims[1];
  batch.forEach((r, i) => {
    const row = Array.from(data.subarray(i * width + S, (i + 1) * width), Number);
    outputs[r.id] = normalizeOutput(row, r.maxNewTokens, workload.eos);
    generated += outputs[r.id].length;
  });
}
const generateMs = performance.now() - g0;
await model.dispose();
const result: ImplResult = {
  impl: 'transformers.js',
  outputs,
  generatedTokens: generated,
  promptTokens,
  loadMs,
  generateMs,
  prefillMs,
  decodeMs,
  decodeTokens,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
writeFileSync(outFile, JSON.stringify(result));
