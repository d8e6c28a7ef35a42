// `npm run bench:profile -- --model DIR [--dtype D] [--rows N]`: where a prefill and a decode
// step spend their time, per operator type and per kind of node, from onnxruntime's own trace.
// The engine runs in this thread on the benchmark workload's prompts (the five pathways).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coreSpecOf, loadCore } from '../../engine/node';
import { loadTokenizer, type Dtype } from '../../models';
import { resolveModelFolder } from '../../models/node';
import { buildWorkload } from './harness/workload';

const HERE = path.dirname(new URL(import.meta.url).pathname);
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    dtype: { type: 'string', default: 'fp32' },
    rows: { type: 'string', default: '32' },
    steps: { type: 'string', default: '8' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    numerics: { type: 'string', default: 'exact' },
    data: { type: 'string', default: path.resolve(HERE, '../../../shared/ipdialog/filtered_data_test_1000.jsonl') },
  },
});
if (!args.model) throw new Error('--model DIR is required');
const model = await resolveModelFolder(args.model, { dtype: args.dtype as Dtype });
const tokenizer = await loadTokenizer(model.dir);
const rows = Number(args.rows);
const work = buildWorkload(args.data!, tokenizer, Math.ceil(rows / 50) + 1).slice(0, rows);
const prefix = path.join(os.tmpdir(), `ipd-profile-${process.pid}`);
const loaded = await loadCore(coreSpecOf(model), { threads: Number(args.threads), maxBatch: rows, profilePrefix: prefix, numerics: args.numerics as 'exact' | 'fast' });
const { core } = loaded;
// Limits just past the profiled steps: the KV budget reserves each row's final length.
work.forEach((r) => core.add({ requestId: r.id, promptTokenIds: r.promptIds, sampling: { maxNewTokens: Number(args.steps) + 2, ignoreEos: true } }));
// Prefill everything first (prefix and prefill steps), then time decode steps at full width.
while (core.numWaiting > 0) await core.step();
const s0 = { ...core.stats };
const phaseEnd = performance.now();
for (let i = 0; i < Number(args.steps); i++) await core.step();
const decodeMs = (performance.now() - phaseEnd) / Number(args.steps);
const screen = loaded.runner.screen;
await (loaded.session as unknown as { endProfiling(): unknown }).endProfiling();
// The binding does not return the trace's name: it is the prefix plus a date.
const file = readdirSync(path.dirname(prefix)).map((f) => path.join(path.dirname(prefix), f)).find((f) => f.startsWith(prefix))!;
await loaded.release();

interface TraceEvent { cat: string; name: string; dur: number; ts: number; args?: { op_name?: string } }
const trace = JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[];
rmSync(file, { force: true });
// The decode steps are the last runs of the session, the prefill steps (prefixes and prompt
// groups) the ones before them; the first runs are the load checks.
const runs = trace.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const decodeRuns = runs.slice(-Number(args.steps));
const prefillRuns = runs.slice(3, -Number(args.steps));
const within = (rs: TraceEvent[]) => (e: TraceEvent) => rs.some((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
const tally = (inside: (e: TraceEvent) => boolean) => {
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  for (const e of trace) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !inside(e)) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    const kind = e.name.replace(/_kernel_time$/, '').replace(/\d+/g, 'N');
    byNode.set(kind, (byNode.get(kind) ?? 0) + e.dur);
  }
  return { byOp, byNode };
};
const { byOp, byNode } = tally(within(decodeRuns));
const prefill = tally(within(prefillRuns));
const prefillTotal = [...prefill.byOp.values()].reduce((a, b) => a + b, 0);
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
const show = (m: Map<string, number>, n: number) =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${(v / 1000 / Number(args.steps)).toFixed(2).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
const showPrefill = (m: Map<string, number>, n: number) =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${(v / 1000).toFixed(0).padStart(8)} ms  ${((100 * v) / prefillTotal).toFixed(1).padStart(5)}%  ${k}`).join('\n');
process.stdout.write(`prefill steps (${prefillRuns.length}): ${(prefillTotal / 1e6).toFixed(1)} s in kernels\nby operator:\n${showPrefill(prefill.byOp, 10)}\nby node kind:\n${showPrefill(prefill.byNode, 12)}\n`);
process.stdout.write(`model ${model.dir} (${model.dtype}, ${args.numerics}), ${rows} rows, prefill ${(s0.prefillMs / 1000).toFixed(1)} s for ${s0.numPrefillTokens} tokens (+${s0.numCachedPromptTokens} reused)\n`);
if (screen) process.stdout.write(`LM head screen: ${(screen.numRescored / screen.numPicks).toFixed(1)} candidates rescored per token, ${(screen.pickMs / screen.numPicks).toFixed(3)} ms per token picking, ${screen.numFullRows} of ${screen.numPicks} rows needed their whole screened row\n`);
const runMs = decodeRuns.reduce((n, r) => n + r.dur, 0) / 1000 / Number(args.steps);
process.stdout.write(`decode step: ${decodeMs.toFixed(1)} ms wall, ${runMs.toFixed(1)} ms in onnxruntime's run, ${(total / 1000 / Number(args.steps)).toFixed(1)} ms in kernels\nby operator:\n${show(byOp, 15)}\nby node kind:\n${show(byNode, 25)}\n`);
