// `ipdialog bench`'s one table, as aligned text for a terminal or as Markdown to paste into
// an issue; both from the report that --out writes.
import type { BenchReport } from './schema';

/** Differing requests listed by name; the rest are counted (every one is in --out). */
const LISTED_DIFFERENCES = 8;

const secs = (s: number) => (s < 10 ? s.toFixed(2) : s.toFixed(1));
const perS = (x: number | null) => (x === null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const times = (x: number) => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;

function headerLines(r: BenchReport): string[] {
  const m = r.machine;
  const w = r.workload;
  const limit = r.settings.maxNewTokens === null ? '' : `, capped at ${r.settings.maxNewTokens}`;
  const first = r.settings.requests === null ? '' : ` (the first ${w.requests})`;
  const lines = [
    `ipdialog bench: ${r.model.given} (${r.model.dtype}) on ${r.device.used}; ${w.requests} requests${first} of ${r.settings.perTask} item(s) per task x ${w.pathways.length} pathways, ${w.promptTokens} prompt tokens, output limits summing to ${w.maxNewTokens}${limit}; numerics ${r.settings.numerics}; ${r.settings.threads} threads; one run each`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.platform} ${m.kernel}${m.glibc ? `, glibc ${m.glibc}` : ''}; Node ${m.node}; ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `device: ${deviceLine(r)}`,
  ];
  const sweep = r.reference.sweep;
  if (sweep.length > 1) {
    const tried = sweep.map((s) => `${s.batchSize}: ${s.wallS !== null ? `${secs(s.wallS)} s` : `stopped after ${secs(s.stoppedAfterS!)} s (${s.stopReason})`}`);
    lines.push(`transformers.js batch sizes (whole process): ${tried.join(', ')}; compared: the fastest, ${r.reference.batchSize}`);
  }
  if (r.referencePerturbed) lines.push(`WARNING: IPDIALOG_BENCH_PERTURB_REFERENCE is set: the reference ran on a copy with ${r.referencePerturbed} perturbed (a test switch); its tokens are meant to differ`);
  if (r.settings.numerics === 'fast') lines.push('numerics fast: our engine may change summation order and precision, so tokens may differ from the reference by design');
  return lines;
}

function deviceLine(r: BenchReport): string {
  const d = r.device;
  const parts: string[] = [d.used === 'cpu' ? 'cpu (onnxruntime-node CPU provider)' : `${d.used} (onnxruntime-node ${d.used === 'cuda' ? 'CUDA' : 'WebGPU'} provider)`];
  if (d.probe?.adapter) parts.push(`adapter ${d.probe.adapter}, driver ${d.probe.driver ?? '?'}`);
  else if (d.used === 'webgpu') parts.push(`Vulkan devices: ${d.probe?.physicalDevices.join(', ') || 'not named by the loader'}`);
  for (const g of d.gpus ?? []) parts.push(`GPU ${g.name}, NVIDIA driver ${g.driver}, ${g.memoryMiB} MiB`);
  if (d.note) parts.push(d.note);
  return parts.join('; ');
}

function identityCell(r: BenchReport): string {
  const a = r.agreement;
  if (a.allIdentical) return 'identical for every request';
  const diffs = a.requests.filter((q) => !q.identical);
  const listed = diffs.slice(0, LISTED_DIFFERENCES).map((q) => `${q.id} at ${q.firstDiff}`);
  const more = diffs.length > LISTED_DIFFERENCES ? `, ${diffs.length - LISTED_DIFFERENCES} more in --out` : '';
  return `first differing position: ${listed.join(', ')}${more}`;
}

function boundCell(r: BenchReport): string {
  const b = r.batch1.bound;
  if (!b) return 'bound omitted: pass --bandwidth-gbs (the GPU\'s datasheet bandwidth)';
  return `${(100 * b.ratio).toFixed(0)}% of the bound ${perS(b.tokensPerS)} tok/s (${(r.model.weightBytesPerToken / 1e6).toFixed(0)} MB of weights per token at ${b.gbPerS.toPrecision(3)} GB/s, ${b.source === 'measured' ? 'measured' : 'from --bandwidth-gbs'})`;
}

/** Rows of [measure, ours, reference, comparison]. */
function rows(r: BenchReport): string[][] {
  const o = r.ours;
  const t = r.reference;
  const ratio = (a: number | null, b: number | null) => (a && b ? times(a / b) : '-');
  return [
    ['', `ip-dialog engine (${r.settings.numerics})`, `transformers.js (batch ${t.batchSize})`, 'ip-dialog vs transformers.js'],
    ['whole process, s', secs(o.wallS), secs(t.wallS), `${ratio(t.wallS, o.wallS)} faster`],
    ['generate phase, s', secs(o.generateS), secs(t.generateS), `${ratio(t.generateS, o.generateS)} faster`],
    ['prompt tokens/s', perS(o.promptTokensPerS), perS(t.promptTokensPerS), ratio(o.promptTokensPerS, t.promptTokensPerS)],
    ['decode tokens/s', perS(o.decodeTokensPerS), perS(t.decodeTokensPerS), ratio(o.decodeTokensPerS, t.decodeTokensPerS)],
    ['prompt tokens reused', `${o.reusedPromptTokens} of ${o.promptTokens}`, `${t.reusedPromptTokens} of ${t.promptTokens}`, ''],
    ['peak memory (RSS), MB', o.peakRssMb.toFixed(0), t.peakRssMb.toFixed(0), `${ratio(o.peakRssMb, t.peakRssMb)} the memory`],
    ['identical greedy tokens', `${r.agreement.identical}/${r.agreement.total} requests`, '', identityCell(r)],
    [`batch-1 decode, tokens/s`, perS(r.batch1.decodeTokensPerS), '-', boundCell(r)],
  ];
}

export function renderBenchText(r: BenchReport): string {
  const table = rows(r);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => (i === 3 ? 0 : row[i].length))));
  const lines = table.map((row) => row.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
  return `${[...headerLines(r), '', ...lines].join('\n')}\n`;
}

export function renderBenchMarkdown(r: BenchReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const [head, ...body] = rows(r);
  const table = [head, head.map(() => '---'), ...body].map((row) => `| ${row.map(esc).join(' | ')} |`);
  return `${[...headerLines(r).map((l) => `- ${esc(l)}`), '', ...table].join('\n')}\n`;
}
