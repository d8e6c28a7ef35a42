// The manifest at the top of every report: what produced each run, as its run.json records it,
// one column per run, rows where runs differ marked. Browser-safe.
import { escapeHtml as h } from './html';
import type { RunManifest, RunSummary } from './types';

const NOT_RECORDED = '<span class="empty">not recorded</span>';

type Row = [label: string, value: (m: RunManifest) => string | undefined];

const ROWS: readonly Row[] = [
  ['Model', (m) => m.model],
  ['Revision (sha256 of the ONNX files)', (m) => m.revision],
  ['Dtype', (m) => m.dtype],
  ['Device', (m) => m.device || undefined],
  ['Backend / engine', (m) => [m.backend, m.engine].filter(Boolean).join(' · ') || undefined],
  // '' (not applicable) for in-process runs, so the row shows only where a run used servers.
  ['Endpoints', (m) => m.endpoints?.join('\n') ?? ''],
  ['Data file', (m) => m.dataFile],
  ['Data sha256', (m) => m.dataSha256],
  ['Items per task', (m) => (m.perTask === null ? 'all' : String(m.perTask))],
  ['Pathway template sha256', (m) => (m.pathwayTemplates ? Object.entries(m.pathwayTemplates).map(([p, hash]) => `${p}: ${hash}`).join('\n') : undefined)],
  ['Judge', (m) => m.judge],
  ['Judge revision', (m) => (m.judge ? m.judgeRevision : '')],
  ['Judge endpoints', (m) => m.judgeEndpoints?.join('\n') ?? ''],
  ['Generation', (m) => m.generation],
  ['Packages', (m) => (Object.keys(m.packages).length > 0 ? Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ') : undefined)],
  ['Node / platform', (m) => [m.node, m.platform].filter(Boolean).join(' · ') || undefined],
  ['Git revision', (m) => m.gitRev],
  ['Command line', (m) => m.commandLine],
];

export function renderManifest(runs: readonly RunSummary[]): string {
  const several = runs.length > 1;
  const head = several ? `<tr><th>Field</th>${runs.map((r) => `<th>${h(r.label)}</th>`).join('')}</tr>` : '';
  const rows = ROWS.map(([label, value]) => {
    const values = runs.map((r) => value(r.manifest));
    // An empty string is a field that does not apply (no judge): the row is left out when none has it.
    if (values.every((v) => v === '')) return '';
    const differs = several && new Set(values).size > 1;
    const cells = values.map((v) => `<td>${v === undefined ? NOT_RECORDED : v === '' ? '–' : `<code>${h(v)}</code>`}</td>`).join('');
    return `<tr${differs ? ' class="differs" title="differs between runs"' : ''}><th scope="row">${h(label)}${differs ? ' ≠' : ''}</th>${cells}</tr>`;
  }).filter(Boolean);
  return `<section id="manifest">
<h2>Manifest</h2>
<p class="hint">What produced ${several ? 'these runs' : 'this run'}, from run.json. “not recorded”: the run predates the field or its backend cannot know it (a remote server’s weights).${
    several ? ' ≠ marks rows where the runs differ.' : ''
  }</p>
<div class="table-wrap"><table class="manifest" data-csv="manifest">
${head ? `<thead>${head}</thead>` : ''}<tbody>${rows.join('\n')}</tbody>
</table></div>
</section>`;
}
