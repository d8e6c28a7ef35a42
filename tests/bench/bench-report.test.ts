// The report of `ipdialog bench`: its JSON schema (validated reads, documented in the README) and
// its two renderings, on a report written by hand with round numbers so every ratio and
// percentage below is worked out by hand.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BenchReportSchema, parseBenchReport, renderBenchMarkdown, renderBenchText, type BenchReport, type BenchSide } from '../../bench/perf/verify';
import { REPO_ROOT } from '../helpers/cli';

function side(impl: BenchSide['impl'], over: Partial<BenchSide>): BenchSide {
  return {
    impl,
    label: impl,
    device: 'cpu',
    wallS: 0,
    loadS: 1,
    generateS: 0,
    prefillS: 1,
    decodeS: 1,
    promptTokens: 6000,
    promptTokensPerS: 0,
    decodeTokens: 100,
    decodeTokensPerS: 0,
    generatedTokens: 120,
    reusedPromptTokens: 0,
    peakRssMb: 0,
    ...over,
  };
}

/** 12 requests; `differing` of them differ from position 3 on. */
function handReport(differing = 0): BenchReport {
  const requests = Array.from({ length: 12 }, (_, i) => {
    const ours = [1, 2, 3, 4, 5];
    const differs = i < differing;
    return {
      id: `direct-response:${i + 1}`,
      task: 'recommend',
      pathway: 'direct-response',
      promptTokens: 500,
      maxNewTokens: 5,
      identical: !differs,
      firstDiff: differs ? 3 : null,
      tokens: { ours, reference: differs ? [1, 2, 3, 9, 9] : ours },
    };
  });
  return {
    format: 2,
    startedAt: '2026-01-01T00:00:00.000Z',
    seconds: 60,
    model: { given: 'models/bench', dir: '/m/bench', dtype: 'fp32', onnxFile: 'onnx/model.onnx', weightBytesPerToken: 400_000_000 },
    settings: { device: 'cpu', perTask: 1, requests: 12, maxNewTokens: 5, numerics: 'exact', threads: 4, refBatch: [8], bandwidthGbs: null, data: '/d/test.jsonl' },
    machine: { cpu: 'Test CPU 9000', cores: 4, memoryGiB: 16, platform: 'linux x64', kernel: '6.1.0', glibc: '2.36', node: 'v20.0.0', packages: { 'ip-dialog': '0.1.0', 'onnxruntime-node': '1.30.0', '@huggingface/transformers': '4.3.1' } },
    device: { requested: 'cpu', used: 'cpu' },
    workload: { requests: 12, items: 3, pathways: ['direct-response', 'attribute-filter', 'type-guided', 'full-attributes', 'task-related'], promptTokens: 6000, maxNewTokens: 60 },
    ours: side('ip-dialog', { wallS: 10, generateS: 5, promptTokensPerS: 1000, decodeTokensPerS: 200, reusedPromptTokens: 1500, peakRssMb: 500 }),
    reference: { ...side('transformers.js', { wallS: 40, generateS: 30, promptTokensPerS: 250, decodeTokensPerS: 50, peakRssMb: 2000 }), batchSize: 8, sweep: [{ batchSize: 8, wallS: 40, generateS: 30 }] },
    agreement: { total: 12, identical: 12 - differing, allIdentical: differing === 0, meanFirstDiff: differing ? 3 : null, requests },
    // 20 GB/s over 400 MB per token: 50 tokens/s; 40 of them is 80%.
    batch1: { decodeTokensPerS: 40, tokens: 128, bound: { gbPerS: 20, source: 'measured', method: 'test', tokensPerS: 50, ratio: 0.8 } },
    referencePerturbed: null,
  };
}

describe('ipdialog bench report', () => {
  it('renders one table: seconds, tokens/s, reuse, memory, identity and the batch-1 bound, with hand-checked ratios', () => {
    const md = renderBenchMarkdown(handReport());
    expect(md).toContain('|  | ip-dialog engine (exact) | transformers.js (batch 8) | ip-dialog vs transformers.js |\n| --- | --- | --- | --- |\n');
    expect(md).toContain('| whole process, s | 10.0 | 40.0 | 4.00x faster |');
    expect(md).toContain('| generate phase, s | 5.00 | 30.0 | 6.00x faster |');
    expect(md).toContain('| prompt tokens/s | 1000 | 250 | 4.00x |');
    expect(md).toContain('| decode tokens/s | 200 | 50.0 | 4.00x |');
    expect(md).toContain('| prompt tokens reused | 1500 of 6000 | 0 of 6000 |  |');
    expect(md).toContain('| peak memory (RSS), MB | 500 | 2000 | 0.25x the memory |');
    expect(md).toContain('| identical greedy tokens | 12/12 requests |  | identical for every request |');
    expect(md).toContain('| batch-1 decode, tokens/s | 40.0 | - | 80% of the bound 50.0 tok/s (400 MB of weights per token at 20.0 GB/s, measured) |');
    expect(md).toContain('- machine: Test CPU 9000, 4 cores, 16 GiB; linux x64 6.1.0, glibc 2.36; Node v20.0.0; ip-dialog 0.1.0, onnxruntime-node 1.30.0, @huggingface/transformers 4.3.1');
    // The text form holds the same cells in aligned columns.
    const text = renderBenchText(handReport());
    expect(text).toMatch(/^whole process, s +10\.0 +40\.0 +4\.00x faster$/m);
    expect(text).toMatch(/^identical greedy tokens +12\/12 requests +identical for every request$/m);
  });

  it('with several reference batch sizes, lists each one and says which was compared', () => {
    const r = handReport();
    r.settings.refBatch = [8, 4];
    r.reference.sweep.push({ batchSize: 4, wallS: null, generateS: null, stoppedAfterS: 12.5, stopReason: 'the first 4 requests not done after 13 s, 10% past the best pace (11 s)' });
    expect(renderBenchText(r)).toContain('transformers.js batch sizes (whole process): 8: 40.0 s, 4: stopped after 12.5 s (the first 4 requests not done after 13 s, 10% past the best pace (11 s)); compared: the fastest, 8');
    // One size: nothing to list.
    expect(renderBenchText(handReport())).not.toContain('batch sizes');
  });

  it('names the differing requests with their first differing position, and counts the rest', () => {
    const text = renderBenchText(handReport(10));
    const listed = Array.from({ length: 8 }, (_, i) => `direct-response:${i + 1} at 3`).join(', ');
    expect(text).toMatch(new RegExp(`^identical greedy tokens +2/12 requests +first differing position: ${listed}, 2 more in --out$`, 'm'));
  });

  it('omits the bound on a GPU without --bandwidth-gbs instead of guessing it, and names the adapter', () => {
    const r = handReport();
    r.device = { requested: 'webgpu', used: 'webgpu', probe: { ok: true, adapter: 'NVIDIA H200', driver: '/usr/lib/libGLX_nvidia.so.0', physicalDevices: ['NVIDIA H200'], icdManifests: [] }, gpus: [{ name: 'NVIDIA H200', driver: '570.1', memoryMiB: 143771 }] };
    r.batch1.bound = null;
    const text = renderBenchText(r);
    expect(text).toMatch(/^batch-1 decode, tokens\/s +40\.0 +- +bound omitted: pass --bandwidth-gbs/m);
    expect(text).not.toMatch(/% of the bound/);
    expect(text).toContain('device: webgpu (onnxruntime-node WebGPU provider); adapter NVIDIA H200, driver /usr/lib/libGLX_nvidia.so.0; GPU NVIDIA H200, NVIDIA driver 570.1, 143771 MiB');
  });

  it('reads a --out file back through its schema; a bad one is an error naming the file and field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-bench-report-'));
    const file = path.join(dir, 'bench.json');
    writeFileSync(file, JSON.stringify(handReport(2)));
    expect(parseBenchReport(readFileSync(file, 'utf8'), file)).toEqual(handReport(2));

    const bad = handReport(2) as unknown as { agreement: { requests: Array<Record<string, unknown>> } };
    delete bad.agreement.requests[1].firstDiff;
    expect(() => parseBenchReport(JSON.stringify(bad), file)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', file, field: 'agreement.requests.1.firstDiff' }));
    expect(() => parseBenchReport('{"format": 1', file)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', file }));
    expect(() => parseBenchReport(JSON.stringify({ ...handReport(), format: 1 }), file)).toThrow(/format/);
  });

  it('documents every field of the --out schema in the README', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Verify on your machine');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const names = fieldNames(BenchReportSchema);
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((n) => !section.includes(`\`${n}\``))).toEqual([]);
  });
});

/** The name of every field of a zod object schema, nested objects and arrays of objects included. */
function fieldNames(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return fieldNames(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodArray) return fieldNames(schema.element as z.ZodType);
  if (!(schema instanceof z.ZodObject)) return [];
  return [...new Set(Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, value]) => [key, ...fieldNames(value)]))];
}
