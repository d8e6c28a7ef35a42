// The JSON `ipdialog bench --out FILE` writes: one run of our engine and of the transformers.js
// reference on the same model, device, threads and workload. README "Verify on your machine"
// documents each field; BENCH_REPORT_FORMAT changes when a field changes meaning or goes away.
import { z } from 'zod';
import { IpdError } from '../../../common';

export const BENCH_REPORT_FORMAT = 2;

const count = z.number().int().nonnegative();
const tokenIds = z.array(z.number().int());

/** One measured process: its whole life, and what the engine or reference counted inside it. */
export const BenchSideSchema = z.object({
  impl: z.enum(['ip-dialog', 'transformers.js']),
  label: z.string(),
  device: z.string(),
  /** Whole process: start, model load, generation of every request. */
  wallS: z.number(),
  loadS: z.number(),
  /** From submitting the first request to the last output. */
  generateS: z.number(),
  prefillS: z.number(),
  decodeS: z.number(),
  promptTokens: count,
  /** Prompt tokens / prefill seconds (reused prefix tokens count as served). */
  promptTokensPerS: z.number().nullable(),
  /** Rows x steps of the decode phase. */
  decodeTokens: count,
  /** null when no decode step ran (every output limit 1). */
  decodeTokensPerS: z.number().nullable(),
  /** Output tokens kept: each cut at its request's limit and at the first EOS. */
  generatedTokens: count,
  /** Prompt tokens served from reused prefixes instead of computed (0 for the reference). */
  reusedPromptTokens: count,
  peakRssMb: z.number(),
});

export const BenchRequestSchema = z.object({
  /** `<pathway>:<data-file line>`, as `ipdialog run` names requests. */
  id: z.string(),
  task: z.string(),
  pathway: z.string(),
  promptTokens: count,
  maxNewTokens: count,
  identical: z.boolean(),
  /** 0-based position of the first differing token; null when identical. */
  firstDiff: count.nullable(),
  tokens: z.object({ ours: tokenIds, reference: tokenIds }),
});

export const BenchReportSchema = z.object({
  format: z.literal(BENCH_REPORT_FORMAT),
  startedAt: z.string(),
  /** The whole command, probes and both sides included. */
  seconds: z.number(),
  model: z.object({
    /** As passed to --model: a hub id or a folder. */
    given: z.string(),
    dir: z.string(),
    dtype: z.string(),
    onnxFile: z.string(),
    /** Bytes of weights one decode step reads per token (every matrix multiplied, no embedding rows). */
    weightBytesPerToken: count,
  }),
  settings: z.object({
    device: z.enum(['auto', 'cpu', 'cuda', 'webgpu']),
    perTask: z.number().int().positive(),
    /** --requests: only the first N requests of the workload; null: all. */
    requests: z.number().int().positive().nullable(),
    /** --max-new-tokens: cap on every request's output limit and on the batch-1 decode; null: none. */
    maxNewTokens: z.number().int().positive().nullable(),
    numerics: z.enum(['exact', 'fast']),
    threads: z.number().int().positive(),
    /** --ref-batch: the reference's batch sizes, in the order swept. */
    refBatch: z.array(z.number().int().positive()).min(1),
    bandwidthGbs: z.number().positive().nullable(),
    data: z.string(),
  }),
  machine: z.object({
    cpu: z.string(),
    cores: count,
    memoryGiB: z.number(),
    platform: z.string(),
    kernel: z.string(),
    glibc: z.string().optional(),
    node: z.string(),
    /** ip-dialog, onnxruntime-node, @huggingface/transformers. */
    packages: z.record(z.string(), z.string()),
  }),
  device: z.object({
    requested: z.enum(['auto', 'cpu', 'cuda', 'webgpu']),
    used: z.enum(['cpu', 'cuda', 'webgpu']),
    /** Why `auto` chose what it chose. */
    note: z.string().optional(),
    /** webgpu/cuda: the provider's probe (x + x on that provider alone, in a child process). */
    probe: z
      .object({
        ok: z.boolean(),
        error: z.string().optional(),
        /** The Vulkan device the WebGPU provider opened, and its driver library. */
        adapter: z.string().optional(),
        driver: z.string().optional(),
        physicalDevices: z.array(z.string()),
        icdManifests: z.array(z.string()),
      })
      .optional(),
    /** nvidia-smi's GPUs (webgpu/cuda, where nvidia-smi is present). */
    gpus: z.array(z.object({ name: z.string(), driver: z.string(), memoryMiB: z.number() })).optional(),
  }),
  workload: z.object({
    requests: count,
    items: count,
    pathways: z.array(z.string()),
    promptTokens: count,
    /** Sum of the requests' output limits. */
    maxNewTokens: count,
  }),
  ours: BenchSideSchema,
  /** The fastest complete run of the sweep (the only one with a single size). */
  reference: BenchSideSchema.extend({
    batchSize: z.number().int().positive(),
    /** Every size tried: its complete run's seconds, or when and why it stopped. */
    sweep: z.array(
      z.object({
        batchSize: z.number().int().positive(),
        wallS: z.number().nullable(),
        generateS: z.number().nullable(),
        stoppedAfterS: z.number().optional(),
        stopReason: z.string().optional(),
      }),
    ),
  }),
  agreement: z.object({
    total: count,
    identical: count,
    allIdentical: z.boolean(),
    /** Mean first differing position over the differing requests; null when none differ. */
    meanFirstDiff: z.number().nullable(),
    requests: z.array(BenchRequestSchema),
  }),
  batch1: z.object({
    /** Our engine, one request alone: decode tokens/s over `tokens` steps. */
    decodeTokensPerS: z.number(),
    tokens: z.number().int().positive(),
    /** Weight-streaming bound (bandwidth / weightBytesPerToken); null when no bandwidth is known (GPU without --bandwidth-gbs). */
    bound: z
      .object({
        gbPerS: z.number(),
        source: z.enum(['measured', '--bandwidth-gbs']),
        method: z.string(),
        tokensPerS: z.number(),
        /** decodeTokensPerS / tokensPerS. */
        ratio: z.number(),
      })
      .nullable(),
    boundNote: z.string().optional(),
  }),
  /** The test-only switch IPDIALOG_BENCH_PERTURB_REFERENCE: the initializer changed in the reference's copy; null in every real run. */
  referencePerturbed: z.string().nullable(),
});

export type BenchSide = z.infer<typeof BenchSideSchema>;
export type BenchRequest = z.infer<typeof BenchRequestSchema>;
export type BenchReport = z.infer<typeof BenchReportSchema>;

/** A `--out` file's text as a report, or an IpdError naming the file and the first bad field. */
export function parseBenchReport(text: string, file: string): BenchReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IpdError('INPUT_INVALID', `${file} is not JSON: ${(err as Error).message}`, { file });
  }
  const r = BenchReportSchema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new IpdError('INPUT_INVALID', `${file}: ${field || '(top level)'}: ${issue.message}`, { file, field: field || undefined });
}
