import { describe, expect, it } from 'vitest';
import {
  PROTOCOL,
  RISK_DETECT_REQUEST,
  answerPrompt,
  historyConsistencyPrompt,
  historyExamPrompt,
  historyTurnPrompt,
  parseAnswerReply,
  parseDialogue,
  parseRequests,
  parseSubjects,
  parseVerdict,
  requestsPrompt,
  sampleAttributeGroups,
  subjectsPrompt,
} from '../../pathways';
import { SCORER_EXTRACTION } from '../../bench/datagen/extraction';

// The extraction the datagen runner wires in.
const extraction = SCORER_EXTRACTION;

const group = {
  age: 'adult',
  gender: 'female',
  income_level: 'middle_income',
  profession: 'cook',
  openness: 'low',
  conscientiousness: 'high',
  extraversion: 'high',
  agreeableness: 'low',
  neuroticism: 'high',
  residence: 'rural',
  health: 'minor_issue',
  hobby: 'cooking',
};

describe('datagen prompts', () => {
  it('fill every placeholder of every template, dicts as Python prints them', () => {
    const g = sampleAttributeGroups(1, 1)[0];
    const prompts = [
      subjectsPrompt('rank', 'Education'),
      requestsPrompt('rank', 'Education', 'courses', g),
      answerPrompt('risk_detect', RISK_DETECT_REQUEST, g),
      historyTurnPrompt([], ['age', 'adult']),
      historyTurnPrompt(['User: a\nAI: b'], ['age', 'adult']),
      historyExamPrompt('User: a\nAI: b', ['age', 'adult']),
      historyConsistencyPrompt('User: a\nAI: b', { age: 'adult', hobby: 'music' }),
    ];
    for (const p of prompts) expect(p).not.toMatch(/\{(task|domain|subject|request|attr_key|attr_value|dialogue|full_attr|user_attribute_group)\}/);
    expect(prompts[1]).toContain(`User Attributes:\n{'age': '${g.age}', 'gender': '${g.gender}'`);
    expect(prompts[4]).toContain('Based on the following dialogue:\n\nUser: a\nAI: b\n\nContinue');
    expect(prompts[5]).toContain("Can you implicitly infer the user's attribute: {age: adult} from the dialogue?");
    expect(prompts[6]).toContain("{'age': 'adult', 'hobby': 'music'}");
    expect(subjectsPrompt('rank', 'Education').startsWith(PROTOCOL.datagen.subjects.slice(0, 30))).toBe(true);
  });
});

describe('datagen parsers', () => {
  it('subjects: list items, none over 50 characters', () => {
    expect(parseSubjects('Output subjects: \n- courses\n-  study tips  \n')).toEqual({ ok: true, value: ['courses', 'study tips'] });
    expect(parseSubjects('no list here')).toMatchObject({ ok: false, reason: 'no_list_items' });
    expect(parseSubjects(`- ok\n- ${'x'.repeat(51)}`)).toMatchObject({ ok: false, reason: 'subject_too_long' });
    expect(parseSubjects(`- ${'é'.repeat(50)}`)).toMatchObject({ ok: true });
  });

  it('requests: 3 or 4 lines, bracket dropped, never the word "answer"', () => {
    const three = '- Should I move? [Answer: No]\n- Request 2: Should I stay? [Answer: Yes]\n- Should I rent?';
    expect(parseRequests(three)).toEqual({ ok: true, value: ['Should I move?', 'Should I stay?', 'Should I rent?'] });
    expect(parseRequests('- a [x]\n- b [y]')).toMatchObject({ ok: false, reason: 'request_count' });
    expect(parseRequests('- a\n- b\n- c\n- d\n- e')).toMatchObject({ ok: false, reason: 'request_count' });
    expect(parseRequests('- Give me the answer\n- b\n- c')).toMatchObject({ ok: false, reason: 'request_contains_answer' });
  });

  it('dialogue: exactly one User then one AI message', () => {
    expect(parseDialogue('User: Hi there\nAI: Hello!')).toEqual({
      ok: true,
      value: [
        { speaker: 'User', content: 'Hi there' },
        { speaker: 'AI', content: 'Hello!' },
      ],
    });
    expect(parseDialogue('Here you go.\nModified Dialogue:\nUser: Hi there\nAI: Hello!')).toMatchObject({ ok: true });
    expect(parseDialogue('User: Hi there AI: Hello!')).toMatchObject({ ok: true });
    expect(parseDialogue('AI: Hello\nUser: Hi')).toMatchObject({ ok: false, reason: 'speaker_order' });
    expect(parseDialogue('User: a\nAI: b\nUser: c\nAI: d')).toMatchObject({ ok: false });
    expect(parseDialogue('User: Hi there')).toMatchObject({ ok: false, reason: 'message_count' });
    expect(parseDialogue('gibberish')).toMatchObject({ ok: false, reason: 'message_count' });
    expect(parseDialogue(`User: ${'x'.repeat(500)}\nAI: ok then`)).toMatchObject({ ok: false, reason: 'message_too_long' });
  });

  it('verdicts read as the original: prefixes, then yes-without-no', () => {
    expect(parseVerdict('Yes, clearly.')).toBe('yes');
    expect(parseVerdict('Answer (yes/no): yes')).toBe('yes');
    expect(parseVerdict('I would say yes')).toBe('yes');
    expect(parseVerdict('No.')).toBe('no');
    expect(parseVerdict('Answer (yes/no): no')).toBe('no');
    // "know" holds "no": the original's substring test, kept.
    expect(parseVerdict('I know yes')).toBe(null);
    expect(parseVerdict('maybe')).toBe(null);
  });

  it('answers: the GT through the scorers extraction, under the original checks', () => {
    const reply = '- Attributes: [profession: cook, openness: low].\n- Analysis: [Cooks like food.].\n- Answer: [C, D, A, B].';
    expect(parseAnswerReply(reply, 'rank', group, extraction)).toEqual({
      ok: true,
      value: { related_attributes: { profession: 'cook', openness: 'low' }, analysis: 'Cooks like food.', answer: ['C', 'D', 'A', 'B'] },
    });
    const list = '- Attributes: [residence: rural]\n- Analysis: [Far from town.]\n- Answer: [1. Plan ahead. 2. Buy in bulk.]';
    expect(parseAnswerReply(list, 'advice', group, extraction)).toMatchObject({ ok: true, value: { answer: ['Plan ahead.', 'Buy in bulk.'] } });
    const bad = (text: string, task: Parameters<typeof parseAnswerReply>[1] = 'decision') => parseAnswerReply(text, task, group, extraction);
    expect(bad('- Analysis: [x]\n- Answer: [yes]')).toMatchObject({ ok: false, reason: 'missing_attributes' });
    expect(bad('- Attributes: [age: adult]\n- Analysis: [x]')).toMatchObject({ ok: false, reason: 'missing_answer' });
    expect(bad('- Attributes: [age: old]\n- Analysis: [x]\n- Answer: [yes]')).toMatchObject({ ok: false, reason: 'attribute_unknown' });
    expect(bad('- Attributes: [age: child]\n- Analysis: [x]\n- Answer: [yes]')).toMatchObject({ ok: false, reason: 'attribute_not_in_group' });
    expect(bad('- Attributes: [age adult]\n- Analysis: [x]\n- Answer: [yes]')).toMatchObject({ ok: false, reason: 'attribute_malformed' });
    expect(bad('- Attributes: [age: adult]\n- Analysis: [x]\n- Answer: [maybe]')).toMatchObject({ ok: false, reason: 'answer_not_yes_no' });
    expect(bad('- Attributes: [age: adult]\n- Analysis: [x]\n- Answer: [A, B, E, C]', 'rank')).toMatchObject({ ok: false, reason: 'rank_incomplete' });
  });
});
