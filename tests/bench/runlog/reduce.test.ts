// reduce(), the one reduction of run records to metrics, against numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import { reduce, type ReducibleJudgeRecord, type ReducibleRecord } from '../../../bench/runlog';

type Metrics = ReducibleRecord['metrics'];
const m = (answer_acc: number, attribute_f1 = 0, value_f1 = 0, relative_value_acc = 0): Metrics => ({ answer_acc, attribute_f1, value_f1, relative_value_acc });

function pred(pathway: ReducibleRecord['pathway'], task: ReducibleRecord['task'], index: number, line: number, metrics: Metrics, extra: Partial<ReducibleRecord> = {}): ReducibleRecord {
  return { pathway, task, index, line, metrics, parse_status: 'ok', missing: [], ...extra };
}

function judged(task: ReducibleJudgeRecord['task'], index: number, status: ReducibleJudgeRecord['status'], scores: ReducibleJudgeRecord['scores']): ReducibleJudgeRecord {
  return { pathway: 'type-guided', task, index, status, scores };
}

describe('reduce', () => {
  it('per pathway and task: official sums (2 decimals, Python rounding), means, counts; overall micro and macro means', () => {
    const metrics = reduce({
      predictions: [
        pred('type-guided', 'rank', 1, 10, m(0.335, 0.5, 0.25, 0.5)),
        pred('type-guided', 'rank', 2, 11, m(0.34, 1, 1, 1)),
        pred('type-guided', 'filter', 3, 20, m(1)),
        pred('direct-response', 'filter', 3, 20, m(0.5)),
      ],
      pathways: ['direct-response', 'type-guided'],
    });
    expect(Object.keys(metrics.pathways)).toEqual(['direct-response', 'type-guided']);
    const tg = metrics.pathways['type-guided'];
    expect(tg.tasks.rank.count).toBe(2);
    expect(tg.tasks.rank.sum.answer_acc).toBe(0.68); // 0.675 in binary is just above the tie: Python rounds up
    expect(tg.tasks.rank.mean.answer_acc).toBeCloseTo(0.3375, 12);
    expect(tg.tasks.rank.sum.value_f1).toBe(1.25);
    expect(tg.tasks.filter.sum.answer_acc).toBe(1);
    expect(tg.overall.count).toBe(3);
    expect(tg.overall.mean.answer_acc).toBeCloseTo(1.675 / 3, 12);
    expect(tg.overall.task_mean.answer_acc).toBeCloseTo((0.3375 + 1) / 2, 12);
    // ATF (.5, 1, 0) vs RVA (.5, 1, 0): on a line.
    expect(tg.atf_rva_pearson.across_items).toBeCloseTo(1, 12);
    expect(metrics.pathways['direct-response'].tasks.filter.sum.answer_acc).toBe(0.5);
  });

  it('sums in data-file order whatever order the records arrived in', () => {
    const a = pred('type-guided', 'advice', 1, 3, m(0.1));
    const b = pred('type-guided', 'advice', 2, 1, m(0.2));
    const c = pred('type-guided', 'advice', 3, 2, m(0.3));
    // File order is b, c, a: (0.2 + 0.3) + 0.1 = 0.6 exactly; arrival order a, b, c would give 0.6000000000000001.
    const mean = reduce({ predictions: [a, b, c] }).pathways['type-guided'].tasks.advice.mean.answer_acc;
    expect(mean).toBe(0.6 / 3);
  });

  it('keeps the last record of a repeated (pathway, item)', () => {
    const metrics = reduce({ predictions: [pred('type-guided', 'rank', 1, 10, m(0)), pred('type-guided', 'rank', 1, 10, m(1))] });
    expect(metrics.pathways['type-guided'].tasks.rank).toMatchObject({ count: 1, sum: { answer_acc: 1 } });
  });

  it('the official NaN: its task sum and mean and the overall means are NaN, counted per task', () => {
    const metrics = reduce({ predictions: [pred('type-guided', 'rank', 1, 1, m(NaN, 1, 1, 1)), pred('type-guided', 'decision', 2, 2, m(1))] });
    const tg = metrics.pathways['type-guided'];
    expect(tg.tasks.rank.sum.answer_acc).toBeNaN();
    expect(tg.tasks.rank.nan).toBe(1);
    expect(tg.tasks.rank.sum.attribute_f1).toBe(1);
    expect(tg.tasks.decision).toMatchObject({ nan: 0, sum: { answer_acc: 1 } });
    expect(tg.overall.mean.answer_acc).toBeNaN();
    expect(tg.overall.nan).toBe(1);
    // On disk the NaN is null (JSON has no NaN), never 0.
    expect(JSON.parse(JSON.stringify(metrics)).pathways['type-guided'].tasks.rank.sum.answer_acc).toBeNull();
  });

  it('parse outcomes and missing parts per task and overall', () => {
    const tg = reduce({
      predictions: [
        pred('type-guided', 'rank', 1, 1, m(0), { parse_status: 'failed', missing: ['attributes', 'analysis', 'answer'] }),
        pred('type-guided', 'rank', 2, 2, m(0), { parse_status: 'partial', missing: ['answer'] }),
        pred('type-guided', 'advice', 3, 3, m(0)),
      ],
    }).pathways['type-guided'];
    expect(tg.tasks.rank.parse).toEqual({ status: { ok: 0, partial: 1, failed: 1 }, missing: { attributes: 1, analysis: 1, answer: 2 } });
    expect(tg.tasks.advice.parse).toEqual({ status: { ok: 1, partial: 0, failed: 0 }, missing: { attributes: 0, analysis: 0, answer: 0 } });
    expect(tg.overall.parse.status).toEqual({ ok: 1, partial: 1, failed: 1 });
  });

  it('judge: failures counted and named by item, never averaged; each score averaged over the usable replies that have it', () => {
    const tg = reduce({
      predictions: [pred('type-guided', 'rank', 10, 1, m(0)), pred('type-guided', 'filter', 5, 2, m(0))],
      judge: [
        judged('rank', 10, 'ok', { Conciseness: 1, Personalization: 4, 'Analysis Quality': 3, 'Answer Accuracy': 5, Total: 13 }),
        judged('rank', 20, 'partial', { Conciseness: 0, Total: 7 }),
        judged('rank', 30, 'unparseable', {}),
        judged('filter', 5, 'out_of_range', { Conciseness: 3, Total: 9 }),
        judged('filter', 6, 'error', {}),
      ],
    }).pathways['type-guided'];
    const judge = tg.judge!;
    expect(judge.failed_items.sort()).toEqual(['filter:5', 'filter:6', 'rank:30']);
    // Two totals, 13 and 7: resampled means are 7, 10 or 13, so the interval is [7, 13]; one
    // value (Personalization) has none.
    expect(judge.tasks.rank).toEqual({
      judged: 3,
      count: 2,
      failures: 1,
      mean: { Conciseness: 0.5, Personalization: 4, 'Analysis Quality': 3, 'Answer Accuracy': 5, Total: 10 },
      ci95: { Conciseness: [0, 1], Personalization: null, 'Analysis Quality': null, 'Answer Accuracy': null, Total: [7, 13] },
      n: { Conciseness: 2, Personalization: 1, 'Analysis Quality': 1, 'Answer Accuracy': 1, Total: 2 },
    });
    // No usable reply: counted, and no means at all (not zeros).
    expect(judge.tasks.filter).toEqual({ judged: 2, count: 0, failures: 2, mean: {}, ci95: {}, n: {} });
    expect(judge.overall).toMatchObject({ judged: 5, count: 2, failures: 3, mean: { Total: 10 } });
  });
});
