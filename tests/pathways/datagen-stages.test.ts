import { describe, expect, it } from 'vitest';
import type { GenerateFn, TextRequest } from '../../common';
import {
  DialogItemSchema,
  assembleItems,
  createAnswersStage,
  createHistoriesStage,
  createRequestsStage,
  createSubjectsStage,
  dedupItems,
  planAnswerUnits,
  planAttributeSets,
  planRequestUnits,
  planRiskDetect,
  planSubjectUnits,
  runStage,
  sampleAttributeGroups,
  splitTrainTest,
  stageOutputs,
  summarizeOutcomes,
  type AnswerExtraction,
  type AttributeSet,
  type DialogItem,
  type StageContext,
} from '../../pathways';
import { parseAnswer } from '../../scorers/answers';
import { extractResponse } from '../../scorers/extract';
import { createScriptedGenerate, promptKind, promptOf, type PromptKind } from '../helpers/datagen-responder';

const extraction: AnswerExtraction = {
  extract(text) {
    const e = extractResponse(text);
    return { attributes: e.rules.attributes ? e.attributes : null, analysis: e.rules.analysis ? e.analysis : null, answer: e.rules.answer ? e.answer : null };
  },
  parseAnswer,
};

const settings = { maxNewTokens: 64, temperature: 0.7, topP: 0.95, seed: 1 };

/** A model that answers each kind of prompt from its own queue of replies, in order. */
function scripted(queues: Partial<Record<PromptKind, string[]>>): GenerateFn & { seen: PromptKind[]; requests: TextRequest[] } {
  const seen: PromptKind[] = [];
  const requests: TextRequest[] = [];
  const fn = async (req: TextRequest) => {
    const kind = promptKind(promptOf(req));
    seen.push(kind);
    requests.push(req);
    const next = queues[kind]?.shift();
    if (next === undefined) throw new Error(`script has no reply left for a ${kind} prompt`);
    return { text: next, finishReason: 'stop' as const, promptTokens: 1, completionTokens: 1, latencyMs: 0 };
  };
  return Object.assign(fn, { seen, requests });
}

const set: AttributeSet = { id: 0, related_attributes: { hobby: 'music', income_level: 'low_income' }, count: 2 };
const good = 'User: I practise scales every evening after work.\nAI: Consistency pays off.';

describe('history stage branching', () => {
  it('exam fail -> improve -> regenerate -> pass, then the next round; consistency passes', async () => {
    const generate = scripted({
      // round 0: first try, improve, improve-that-does-not-parse, regenerate; round 1: first try
      turn: [good, good.replace('scales', 'chords'), good],
      improve: [`Modified Dialogue:\n${good}`, 'no dialogue here'],
      exam: ['no', 'No, not really.', 'yes', 'Yes'],
      consistency: ['yes', 'yes'],
    });
    const stage = createHistoriesStage({ maxRetries: 4, regenerateEvery: 3 });
    const out = await stage.run(set, { generate, settings });
    expect(out.dropped).toBeUndefined();
    expect(generate.seen).toEqual([
      'turn', 'exam', // attempt 0: exam fails
      'improve', 'exam', // attempt 1: improved, exam fails again
      'improve', // attempt 2: the improved reply does not parse
      'turn', 'exam', 'consistency', // attempt 3 (every 3rd): regenerated, passes, consistent
      'turn', 'exam', 'consistency', // round 1 passes at once
    ]);
    expect(out.counters).toMatchObject({ improve: 2, regenerate: 1, exam: 4, exam_failed: 2, exam_passed: 2, consistency: 2, rounds: 2 });
    expect(out.counters!['dialogue_unparsed:message_count']).toBe(1);
    expect(out.calls).toBe(11);
    expect(out.parseFailures).toBe(1);
    expect(out.outputs[0].history).toHaveLength(2);
    expect(out.outputs[0].history[0][0].content).toBe('I practise chords every evening after work.');
    // Round 1 is a continuation of round 0: its prompt shows round 0.
    const round1Prompt = promptOf(generate.requests[8]);
    expect(round1Prompt).toContain('Based on the following dialogue:\n\nUser: I practise chords');
    expect(round1Prompt).toContain('income_level: low_income');
    // Judgments are greedy; generation samples with a seed derived from the unit.
    expect(generate.requests[1].temperature).toBe(0);
    expect(generate.requests[0].temperature).toBe(0.7);
    expect(generate.requests[0].seed).not.toBe(generate.requests[5].seed);
  });

  it('consistency fail drops the set', async () => {
    const generate = scripted({ turn: [good], exam: ['yes'], consistency: ['No, the dialogue contradicts the income.'] });
    const out = await createHistoriesStage({ maxRetries: 2, regenerateEvery: 4 }).run(set, { generate, settings });
    expect(out.dropped).toBe('inconsistent');
    expect(out.outputs).toEqual([]);
    expect(generate.seen).toEqual(['turn', 'exam', 'consistency']);
  });

  it('an exam that never passes within the retry budget drops the set; unparseable rounds are counted', async () => {
    const generate = scripted({ turn: ['garbage', good], improve: [good, good], exam: ['no', 'no', 'no'] });
    const out = await createHistoriesStage({ maxRetries: 3, regenerateEvery: 4 }).run(set, { generate, settings });
    expect(out.dropped).toBe('exam_failed');
    expect(generate.seen).toEqual(['turn', 'turn', 'exam', 'improve', 'exam', 'improve', 'exam']);
    expect(out.parseFailures).toBe(1);
    const never = scripted({ turn: ['x', 'y', 'z'] });
    const out2 = await createHistoriesStage({ maxRetries: 2, regenerateEvery: 4 }).run(set, { generate: never, settings });
    expect(out2.dropped).toBe('dialogue_unparsed');
    expect(out2.parseFailures).toBe(3);
  });
});

describe('question stages', () => {
  it('count parse failures and keep going', async () => {
    const generate = scripted({
      subjects: ['- courses\n- study tips\n- exams', 'nothing useful'],
      requests: ['- Should I pick Spanish? [Answer: yes]\n- Should I pick chess?\n- Should I pick golf?', '- only one'],
    });
    const ctx: StageContext = { generate, settings, extraction };
    const subjects = await runStage(createSubjectsStage({ subjectsPerDomain: 1 }), planSubjectUnits(['decision'], 2), ctx);
    const s = summarizeOutcomes(subjects);
    expect(s).toMatchObject({ units: 2, generated: 2, parsed: 1, parseFailures: 1, passed: 1, dropped: 1, dropReasons: { no_list_items: 1 }, outputs: 1 });
    const lists = stageOutputs(subjects);
    expect(lists).toEqual([{ task: 'decision', task_index: 0, domain: 'Sports', subjects: ['courses'] }]);
    // One subject: three units, each with the next group of the pool.
    const pool = sampleAttributeGroups(2, 5);
    const units = planRequestUnits(lists, pool);
    expect(units.map((u) => u.user_attr_group)).toEqual([pool[0], pool[1], pool[0]]);
    generate.seen.length = 0;
    const requests = await runStage(createRequestsStage(), units.slice(0, 2), ctx);
    expect(summarizeOutcomes(requests)).toMatchObject({ passed: 1, dropped: 1, dropReasons: { request_count: 1 } });
    expect(stageOutputs(requests)[0].requests).toEqual(['Should I pick Spanish?', 'Should I pick chess?', 'Should I pick golf?']);
  });

  it('answers: units already done are not asked again', async () => {
    const g = sampleAttributeGroups(1, 2)[0];
    const lists = planRiskDetect([g], 2);
    const units = planAnswerUnits(lists);
    const reply = `- Attributes: [age: ${g.age}]\n- Analysis: [Risky.]\n- Answer: [1. Falls 2. Bills]`;
    const first = scripted({ answers: [reply] });
    const stage = createAnswersStage();
    const done = await runStage(stage, units.slice(0, 1), { generate: first, settings, extraction });
    const second = scripted({ answers: ['- Analysis: [no attributes]\n- Answer: [1. x]'] });
    const all = await runStage(stage, units, { generate: second, settings, extraction }, { done: new Map(done.map((o) => [o.key, o])) });
    expect(second.seen).toEqual(['answers']);
    expect(all[0]).toBe(done[0]);
    expect(summarizeOutcomes(all)).toMatchObject({ passed: 1, dropped: 1, dropReasons: { missing_attributes: 1 } });
    expect(stageOutputs(all)[0].GT).toEqual({ related_attributes: { age: g.age }, analysis: 'Risky.', answer: ['Falls', 'Bills'] });
  });
});

describe('whole chain on the scripted model', () => {
  it('produces schema-valid items, drops what the model broke, dedups and splits', async () => {
    const generate = createScriptedGenerate({ brokenAnswerEvery: 5, inconsistentKey: 'age', improveKey: 'openness' });
    const ctx: StageContext = { generate, settings, extraction };
    const pool = sampleAttributeGroups(10, 3);
    const subjects = stageOutputs(await runStage(createSubjectsStage({ subjectsPerDomain: 2 }), planSubjectUnits(['rank', 'advice'], 2), ctx));
    const lists = [...stageOutputs(await runStage(createRequestsStage(), planRequestUnits(subjects, pool), ctx)), ...planRiskDetect(pool, 3)];
    const answers = await runStage(createAnswersStage(), planAnswerUnits(lists), ctx);
    expect(summarizeOutcomes(answers).dropReasons.missing_answer).toBeGreaterThan(0);
    const questions = stageOutputs(answers);
    const sets = planAttributeSets(questions);
    expect(sets.reduce((a, s) => a + s.count, 0)).toBe(questions.length);
    for (const s of sets) expect(Object.keys(s.related_attributes)).toEqual(Object.keys(s.related_attributes).sort());
    const histories = await runStage(createHistoriesStage({ maxRetries: 3, regenerateEvery: 4 }), sets, ctx);
    const hs = summarizeOutcomes(histories);
    expect(hs.dropReasons.inconsistent).toBeGreaterThan(0);
    expect(hs.counters.improve).toBeGreaterThan(0);
    const assembled = assembleItems(questions, stageOutputs(histories));
    expect(assembled.stats.dropReasons.history_dropped).toBeGreaterThan(0);
    expect(assembled.items.length).toBeGreaterThan(0);
    for (const item of assembled.items) {
      expect(DialogItemSchema.safeParse(item).success).toBe(true);
      expect(item.history).toHaveLength(Object.keys(item.GT.related_attributes).length);
      expect(Object.keys(item.GT.related_attributes)).not.toContain('age');
    }
    expect(new Set(assembled.items.map((i) => i.task))).toEqual(new Set(['rank', 'advice', 'risk_detect']));
    const dedup = await dedupItems(assembled.items, { kind: 'lexical' });
    const split = splitTrainTest(dedup.items, 0.25, 1);
    expect(split.train.length + split.test.length).toBe(dedup.items.length);
    expect(new Set(split.test.map((i) => i.task)).size).toBeGreaterThan(1);
  });
});

describe('near-duplicate removal', () => {
  const item = (index: number, task: DialogItem['task'], request: string, analysis = 'a'): DialogItem => ({
    index,
    task,
    task_index: 0,
    domain_index: 0,
    subject_index: 0,
    request_index: 0,
    domain: 'Sports',
    user_attr_group: sampleAttributeGroups(1, 1)[0],
    request,
    GT: { related_attributes: {}, analysis, answer: 'yes' },
    history_id: 0,
    history: [[{ speaker: 'User', content: 'hi' }]],
  });

  it('lexical fallback drops reworded copies within a task only', async () => {
    const items = [
      item(0, 'decision', 'Should I buy a new road bike for my daily commute to work this spring?'),
      item(1, 'decision', 'Should I buy a new road bike for my daily commute to work this spring?!'),
      item(2, 'decision', 'Should I learn to play the piano at home?'),
      item(3, 'predict', 'Should I buy a new road bike for my daily commute to work this spring?'),
      item(4, 'risk_detect', 'What risks do you think I might face?', 'Long hours outdoors.'),
      item(5, 'risk_detect', 'What risks do you think I might face?', 'Money is tight this year.'),
    ];
    const r = await dedupItems(items, { kind: 'lexical' });
    expect(r.items.map((i) => i.index)).toEqual([0, 2, 3, 4, 5]);
    expect(r.duplicates).toEqual([{ index: 1, duplicateOf: 0, similarity: 1 }]);
    expect(r.stats.dropReasons).toEqual({ near_duplicate: 1 });
  });

  it('uses the injected embedding function when given one', async () => {
    const items = [item(0, 'advice', 'alpha'), item(1, 'advice', 'beta'), item(2, 'advice', 'gamma')];
    const embed = async (texts: string[]) => texts.map((t) => (t === 'gamma' ? [0, 1] : [1, 0.01 * t.length]));
    const r = await dedupItems(items, { kind: 'embedding', embed, threshold: 0.99 });
    expect(r.items.map((i) => i.index)).toEqual([0, 2]);
  });
});
