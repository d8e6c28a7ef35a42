import { describe, expect, it } from 'vitest';
import { PROTOCOL, type DialogItem } from '../../pathways';
import { buildJudgePrompt, parseJudgeOutput, selectJudgeItems, summarizeJudge } from '../../scorers';

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

  it('summaries count failures and leave them out of the means', () => {
    const ok = parseJudgeOutput('[Conciseness: 1, Personalization: 2, Analysis Quality: 3, Answer Accuracy: 4]\n[Total: 10]');
    const ok2 = parseJudgeOutput('[Conciseness: 0, Personalization: 4, Analysis Quality: 4, Answer Accuracy: 4]\n[Total: 12]');
    const bad = parseJudgeOutput('no idea');
    const [summary] = summarizeJudge([
      { task: 'advice', verdict: ok },
      { task: 'advice', verdict: bad },
      { task: 'advice', verdict: ok2 },
    ]);
    expect(summary).toMatchObject({ task: 'advice', numJudged: 3, numFailed: 1, failures: { unparseable: 1 } });
    expect(summary.means.Total).toBe(11);
    expect(summary.means.Conciseness).toBe(0.5);
  });
});
