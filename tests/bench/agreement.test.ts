// `ipdialog judge-agreement`: the statistics on fixed inputs worked out by hand; the whole
// command with a scripted judge whose verdicts reproduce the official table plus a known
// offset (so every statistic is known exactly); the page in Chromium; and the tiny model as a
// real judge for the plumbing (its random text never parses: every reply counted as a failure).
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { averageRanks, runJudgeAgreement, scoreAgreement, spearman, type AgreementCell, type AgreementReport } from '../../bench/agreement';
import type { TextGenerator, TextRequest } from '../../common';
import { parseDataset, type DialogItem } from '../../pathways';
import { JUDGE_SCORE_NAMES, selectJudgeItems } from '../../scorers';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { itWithReference, referencePath } from '../helpers/reference';
import { launchChromium, SKIP_WITHOUT_CHROMIUM } from '../web/helpers/browser';

const DATA = 'filtered_data_test_1000.jsonl';
const TABLE = 'gpt4o_eval_new.json';
const CLAUDE = 'official-outputs/direct-response.claude.jsonl';

describe('agreement statistics on fixed inputs', () => {
  // Three models x two tasks, Totals:        official          local
  //                                  A    10, 8             11, 9
  //                                  B     6, 7              6, 5
  //                                  C     4, 5              5, 3
  const official = [10, 8, 6, 7, 4, 5];
  const local = [11, 9, 6, 5, 5, 3];
  const cells: AgreementCell[] = ['A', 'A', 'B', 'B', 'C', 'C'].map((model, i) => ({
    model,
    task: i % 2 === 0 ? 'rank' : 'advice',
    official: { Total: official[i] },
    local: { Total: local[i] },
  }));

  it('Pearson, Spearman (average ranks for ties), mean bias and Kendall tau of the model ranking', () => {
    const a = scoreAgreement(cells, 'Total');
    expect(a.numCells).toBe(6);
    // Means 40/6 and 39/6: sum of products of deviations 28, squares 70/3 and 43.5.
    expect(a.pearson).toBeCloseTo(28 / Math.sqrt((70 / 3) * 43.5), 12);
    // Ranks (6,5,3,4,1,2) and (6,5,4,2.5,2.5,1): deviations give 14 / sqrt(17.5 * 17).
    expect(a.spearman).toBeCloseTo(14 / Math.sqrt(17.5 * 17), 12);
    // Local - official: 1, 1, 0, -2, 1, -2.
    expect(a.meanBias).toBeCloseTo(-1 / 6, 12);
    // Model means: official 9, 6.5, 4.5; local 10, 5.5, 4: the same order.
    expect(a.models).toEqual([
      { model: 'A', official: 9, local: 10 },
      { model: 'B', official: 6.5, local: 5.5 },
      { model: 'C', official: 4.5, local: 4 },
    ]);
    expect(a.kendallModels).toBe(1);
    // C above B locally: one discordant pair of three, tau = (2 - 1) / 3.
    const swapped = cells.map((c) => (c.model === 'C' ? { ...c, local: { Total: c.local.Total! + 3 } } : c));
    expect(scoreAgreement(swapped, 'Total').kendallModels).toBeCloseTo(1 / 3, 12);
  });

  it('cells without a local score are left out; undefined statistics are null, not 0', () => {
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
    const partial = scoreAgreement([...cells.slice(0, 1), { model: 'B', task: 'rank', official: { Total: 6 }, local: {} }], 'Total');
    expect(partial).toMatchObject({ numCells: 1, pearson: null, spearman: null, kendallModels: null, meanBias: 1 });
    expect(scoreAgreement(cells, 'Conciseness')).toMatchObject({ numCells: 0, meanBias: null, models: [] });
  });
});

type Table = Record<string, Record<string, Record<string, Record<string, number>>>>;

/**
 * Outputs whose analysis names their model and item, and a judge that gives item k (0-9) of a
 * task the score floor(S / 10) + (k < S % 10) for each official mean S / 10: the ten replies of
 * a cell then average exactly the official mean. Totals get +1 (a lenient judge); claude's rank
 * replies are garbage (10 failures).
 */
function scriptedSetup(items: DialogItem[], table: Table) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-agree-'));
  const outputs = path.join(dir, 'outputs');
  mkdirSync(outputs);
  const models = ['claude', 'qwen'];
  for (const model of models) {
    const lines = items.map((item) => JSON.stringify({ prompt: 'p', label: 'l', predict: `- Analysis: [MODEL=${model} ITEM=${item.task}:${item.index}]\n- Answer: [A]` }));
    writeFileSync(path.join(outputs, `${model}.jsonl`), `${lines.join('\n')}\n`);
  }
  const position = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const item of selectJudgeItems(items)) {
    const k = seen.get(item.task) ?? 0;
    seen.set(item.task, k + 1);
    position.set(`${item.task}:${item.index}`, k);
  }
  const calls = { opened: 0, requests: 0 };
  const generator = (): TextGenerator => ({
    modelId: 'scripted',
    description: 'scripted judge',
    async generate(req: TextRequest) {
      calls.requests++;
      const m = /MODEL=(\S+) ITEM=(\S+):(\d+)/.exec(req.messages![0].content)!;
      const [model, task] = [m[1], m[2]];
      const k = position.get(`${task}:${m[3]}`)!;
      const text =
        model === 'claude' && task === 'rank'
          ? 'I cannot grade this.'
          : (() => {
              const v = (s: string, extra = 0) => {
                const sum = Math.round(table.alpaca_hq_basic_1000[model][task][s] * 10);
                return Math.floor(sum / 10) + (k < sum % 10 ? 1 : 0) + extra;
              };
              return `[Conciseness: ${v('Conciseness')}, Personalization: ${v('Personalization')}, Analysis Quality: ${v('Analysis Quality')}, Answer Accuracy: ${v('Answer Accuracy')}]\n[Total: ${v('Total', 1)}]`;
            })();
      return { text, finishReason: 'stop' as const, promptTokens: 1, completionTokens: 1, latencyMs: 0 };
    },
    async dispose() {},
  });
  return { dir, outputs, calls, open: async () => (calls.opened++, generator()) };
}

describe('judge-agreement', () => {
  itWithReference(
    'a scripted judge equal to GPT-4o plus 1 on the Total: r = rho = tau = 1, bias +1, failures counted; resumes without judging again; the page draws its scatter plots',
    [DATA, TABLE],
    async () => {
      const items = parseDataset(readFileSync(referencePath(DATA), 'utf8'), DATA).items.map((e) => e.item);
      const table = JSON.parse(readFileSync(referencePath(TABLE), 'utf8')) as Table;
      const s = scriptedSetup(items, table);
      const opts = {
        out: path.join(s.dir, 'out'),
        judgeModel: 'scripted',
        dataFile: referencePath(DATA),
        outputsDir: s.outputs,
        referenceDir: path.dirname(referencePath(TABLE)),
        sample: 'every-10th' as const,
        openGenerator: s.open,
        quiet: true,
      };
      const report = await runJudgeAgreement(opts);
      expect(s.calls).toEqual({ opened: 1, requests: 200 });
      expect(report.models.map((m) => [m.model, m.judged, m.failures])).toEqual([
        ['claude', 100, 10],
        ['qwen', 100, 0],
      ]);
      expect(report.models[0].failuresByOutcome).toEqual({ unparseable: 10 });
      expect(report.parseFailureRate).toBe(10 / 200);
      // claude's rank cell has no usable reply: 19 cells.
      const total = report.scores.Total;
      expect(total.numCells).toBe(19);
      expect(total.pearson).toBeCloseTo(1, 12);
      expect(total.spearman).toBeCloseTo(1, 12);
      expect(total.meanBias).toBeCloseTo(1, 12);
      expect(total.kendallModels).toBe(1);
      for (const score of JUDGE_SCORE_NAMES.filter((n) => n !== 'Total')) expect(report.scores[score].meanBias, score).toBeCloseTo(0, 12);
      const onDisk = JSON.parse(readFileSync(path.join(opts.out, 'agreement.json'), 'utf8')) as AgreementReport;
      expect(onDisk.scores.Total.numCells).toBe(19);
      expect(readFileSync(path.join(opts.out, 'judge', 'qwen.jsonl'), 'utf8').trim().split('\n')).toHaveLength(100);

      // A rerun finds every verdict on disk: no judge is opened.
      const again = await runJudgeAgreement(opts);
      expect(s.calls.opened).toBe(1);
      expect(again.scores.Total).toEqual(report.scores.Total);

      if (SKIP_WITHOUT_CHROMIUM) return;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(path.join(opts.out, 'agreement.html')).href);
        await page.waitForFunction(() => document.body.dataset.ready === 'true');
        const state = await page.evaluate(() => (window as unknown as { __ipdAgreement: { points: Record<string, number>; errors: string[] } }).__ipdAgreement);
        expect(state.errors).toEqual([]);
        expect(state.points['scatter-total']).toBe(19);
        expect(Object.keys(state.points)).toHaveLength(5);
        expect(await page.locator('table.agreement tbody tr').count()).toBe(5);
        expect(errors).toEqual([]);
        mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
        await page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'agreement.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
    240_000,
  );
});

describe('ipdialog judge-agreement on the tiny model', () => {
  let outputs: string;
  beforeAll(() => {
    outputs = mkdtempSync(path.join(os.tmpdir(), 'ipd-agree-out-'));
  });
  // `tiny` resolves in the cache; the repo's .cache/models is where the test suites keep it.
  const env = { IPDIALOG_CACHE: path.join(REPO_ROOT, '.cache') };

  itWithReference(
    '--judge tiny: every unparseable reply is counted as a failure, the statistics are undefined, both files are written',
    [DATA, TABLE, CLAUDE],
    () => {
      symlinkSync(referencePath(CLAUDE), path.join(outputs, 'claude.jsonl'));
      const out = path.join(outputs, 'run');
      const args = ['judge-agreement', '--judge', 'tiny', '--out', out, '--outputs', outputs, '--data', referencePath(DATA), '--reference', path.dirname(referencePath(TABLE)), '--per-task', '1', '--threads', '2'];
      const r = runCli(args, { env });
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(path.join(out, 'agreement.json'), 'utf8')) as AgreementReport;
      expect(report.models).toHaveLength(1);
      expect(report.models[0]).toMatchObject({ model: 'claude', judged: 10 });
      // The random-weight model writes no "[Name: N]" groups.
      expect(report.models[0].failures).toBe(10);
      expect(report.parseFailureRate).toBe(1);
      expect(report.scores.Total).toMatchObject({ numCells: 0, pearson: null, meanBias: null });
      expect(report.judge.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(report.notes.join(' ')).toContain('at most 1 judged item(s) per task');
      expect(readFileSync(path.join(out, 'agreement.html'), 'utf8')).toContain('<canvas id="scatter-total"');
      expect(r.stderr).toMatch(/claude 10 judged, 10 failed/);
    },
    300_000,
  );

  itWithReference('outputs named after no model of the official table are a usage error', [DATA, TABLE], () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ipd-agree-bad-'));
    writeFileSync(path.join(dir, 'gpt5.jsonl'), '{"predict": "x"}\n');
    const r = runCli(['judge-agreement', '--judge', 'tiny', '--out', path.join(dir, 'out'), '--outputs', dir, '--data', referencePath(DATA), '--reference', path.dirname(referencePath(TABLE))], { env });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/gpt5\.jsonl name no model of the official GPT-4o-Score table/);
    expect(r.stderr).toMatch(/claude/);
  });
});
