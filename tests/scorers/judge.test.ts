import { describe, expect, it } from 'vitest';
import { PROTOCOL, type DialogItem } from '../../pathways';
import { buildJudgePrompt, isJudgeFailure, parseJudgeOutput, selectJudgeItems, summarizeJudge } from '../../scorers';

const item = {
  index: 3,
  task: 'risk_detect',
  request: 'What risks do you think I might face?',
  GT: { related_attributes: { age: 'adult', health: "minor_issue" }, analysis: 'GT analysis {x}.', answer: ["Don't fall", 'Stress'] },
} as unknown as DialogItem;

describe('judge prompt', () => {
  it('fills the protocol template with Python str()/repr() values', () => {
    const prompt = buildJudgePrompt(item, '- Analysis: [You {work} late.]\n- Answer: [1. Burnout 2. It\'s late]');
    expect(prompt.startsWith("Suppose you are a user with the following attributes: {'age': 'adult', 'health': 'minor_issue'}. Your request is: What risks do you think I might face?.")).toBe(true);
    expect(prompt).toContain('Agent Analysis: You {work} late.\n');
    expect(prompt).toContain(`Agent Answer: ['Burnout', "It's late"]\n`);
    expect(prompt).toContain("Here's an example of a good analysis: GT analysis {x}.. ");
    expect(prompt).toContain(`Ground Truth Answer: ["Don't fall", 'Stress'].`);
    expect(prompt.endsWith('Your Output:\n')).toBe(true);
    // Everything outside the placeholders is the template itself.
    const [head] = PROTOCOL.judge.template.split('{gt_attrs}');
    expect(prompt.startsWith(head)).toBe(true);
  });
});

describe('judge output parsing', () => {
  it('reads a well-formed reply', () => {
    const v = parseJudgeOutput('[Conciseness: 1, Personalization: 3, Analysis Quality: 4, Answer Accuracy: 4]\n[Total: 12]');
    expect(v).toEqual({ status: 'ok', total: 12, scores: { Conciseness: 1, Personalization: 3, 'Analysis Quality': 4, 'Answer Accuracy': 4, Total: 12 }, problems: [] });
  });

  it('keeps a total that is not the sum, with a note (the paper used the total)', () => {
    const v = parseJudgeOutput('Scores: [Conciseness: 1, Personalization: 4, Analysis Quality: 4, Answer Accuracy: 5] [Total: 13]');
    expect(v.status).toBe('ok');
    expect(v.total).toBe(13);
    expect(v.problems[0]).toMatch(/not the sum/);
  });

  it('partial: a total but missing criteria', () => {
    const v = parseJudgeOutput('[Personalization: 2]\n[Total: 7]');
    expect(v).toMatchObject({ status: 'partial', total: 7 });
    expect(v.problems).toContain('missing Conciseness');
  });

  it('out of range values make the reply unusable', () => {
    expect(parseJudgeOutput('[Conciseness: 3, Personalization: 4, Analysis Quality: 4, Answer Accuracy: 5]\n[Total: 16]')).toMatchObject({
      status: 'out_of_range',
      total: null,
    });
    expect(parseJudgeOutput('[Total: 15]').status).toBe('out_of_range');
  });

  it('no total and garbage are failures', () => {
    expect(parseJudgeOutput('[Conciseness: 1, Personalization: 4]')).toMatchObject({ status: 'no_total', total: null });
    for (const garbage of ['', 'I cannot rate this.', '[]', '[Total: many]', '[[[', 'Total: 12 (no brackets)']) {
      expect(parseJudgeOutput(garbage)).toMatchObject({ status: 'unparseable', total: null });
    }
    // Groups do not span lines (`.` without DOTALL).
    expect(parseJudgeOutput('[Total:\n12]').status).toBe('unparseable');
  });

  it('samples every 10th item like the paper, or all', () => {
    const xs = Array.from({ length: 25 }, (_, i) => i);
    expect(selectJudgeItems(xs)).toEqual([0, 10, 20]);
    expect(selectJudgeItems(xs, 'all')).toHaveLength(25);
  });

  it('the one failure rule: only ok and partial replies have a usable total', () => {
    expect(isJudgeFailure('ok')).toBe(false);
    expect(isJudgeFailure('partial')).toBe(false);
    for (const s of ['out_of_range', 'no_total', 'unparseable', 'error'] as const) expect(isJudgeFailure(s)).toBe(true);
    // The parser's usable total follows the same rule.
    expect(parseJudgeOutput('[Conciseness: 3]\n[Total: 9]').total).toBeNull();
    expect(parseJudgeOutput('[Conciseness: 1]\n[Total: 9]').total).toBe(9);
  });

  it('summaries count failures, leave them out of the means, and average each score over the replies that have it', () => {
    const summary = summarizeJudge([
      { task: 'advice', status: 'ok', scores: { Conciseness: 1, Personalization: 2, 'Analysis Quality': 3, 'Answer Accuracy': 4, Total: 10 } },
      { task: 'advice', status: 'unparseable', scores: {} },
      { task: 'advice', status: 'ok', scores: { Conciseness: 0, Personalization: 4, 'Analysis Quality': 4, 'Answer Accuracy': 4, Total: 12 } },
      // Out of range: its Total of 9 must not pull the mean down.
      { task: 'rank', status: 'out_of_range', scores: { Conciseness: 3, Total: 9 } },
      { task: 'rank', status: 'partial', scores: { Personalization: 3, Total: 7 } },
      { task: 'rank', status: 'error', scores: {} },
    ]);
    const [advice, rank] = summary.tasks;
    expect(advice).toMatchObject({ task: 'advice', numJudged: 3, numFailed: 1, failures: { unparseable: 1 } });
    expect(advice.means).toEqual({ Conciseness: 0.5, Personalization: 3, 'Analysis Quality': 3.5, 'Answer Accuracy': 4, Total: 11 });
    expect(rank).toMatchObject({ task: 'rank', numJudged: 3, numFailed: 2, failures: { out_of_range: 1, error: 1 } });
    // Only the partial reply counts: it has no Conciseness, so rank has no Conciseness mean.
    expect(rank.means).toEqual({ Personalization: 3, Total: 7 });
    // Overall: every usable reply weighs the same, (10 + 12 + 7) / 3.
    expect(summary.overall).toMatchObject({ numJudged: 6, numFailed: 3 });
    expect(summary.overall.means.Total).toBeCloseTo(29 / 3, 12);
    expect(summary.overall.means.Personalization).toBe(3); // (2 + 4 + 3) / 3
  });
});
