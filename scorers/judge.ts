/**
 * The pure parts of the local LLM judge (the paper's GPT-4o-Score): the prompt, filled
 * from protocol.json's `judge` template with Python str()/repr() values, and the parse of
 * a judge's reply. Calling a model is the caller's business.
 */
import { pyRepr, pyStr } from '../common';
import { PROTOCOL, pythonFormat, type DialogItem } from '../pathways';
import { parseAnswer } from './answers';
import { extractResponse } from './extract';

export const JUDGE_CRITERIA = ['Conciseness', 'Personalization', 'Analysis Quality', 'Answer Accuracy'] as const;
export type JudgeCriterion = (typeof JUDGE_CRITERIA)[number];
export const JUDGE_MAX: Readonly<Record<JudgeCriterion | 'Total', number>> = {
  Conciseness: 1,
  Personalization: 4,
  'Analysis Quality': 4,
  'Answer Accuracy': 5,
  Total: 14,
};

/**
 * The judge prompt for one item and one model response. As the official gpt4o_eval.py:
 * analysis and answer come from extract() (the attribute field does not matter here), the
 * answer is str() of the parsed answer, GT attributes are a Python dict repr.
 */
export function buildJudgePrompt(item: DialogItem, response: string): string {
  const ex = extractResponse(response);
  return pythonFormat(PROTOCOL.judge.template, {
    gt_attrs: pyRepr(item.GT.related_attributes),
    request: item.request,
    predict_analysis: ex.analysis,
    predict_answer: pyStr(parseAnswer(ex.answer, item.task)),
    gt_analysis: item.GT.analysis,
    gt_answer: pyStr(item.GT.answer),
  });
}

/**
 * ok: total and the four criteria found, all within range (a total that is not their sum
 * stays ok, as officially, with a note in `problems`). partial: total found and in range,
 * some criteria missing. out_of_range: some value outside its range. no_total: criteria but
 * no total. unparseable: no scores at all.
 */
export type JudgeStatus = 'ok' | 'partial' | 'out_of_range' | 'no_total' | 'unparseable';

/** A judged item's outcome: the parser's verdict, or `error` when the judge model itself failed. */
export type JudgeOutcome = JudgeStatus | 'error';
export const JUDGE_OUTCOMES = ['ok', 'partial', 'out_of_range', 'no_total', 'unparseable', 'error'] as const satisfies readonly JudgeOutcome[];

/** The judge's five numbers: the four criteria and their Total. */
export type JudgeScoreName = JudgeCriterion | 'Total';
export const JUDGE_SCORE_NAMES = [...JUDGE_CRITERIA, 'Total'] as const satisfies readonly JudgeScoreName[];

/**
 * The one judge-failure rule (SPEC 3: replies without a usable total are counted and
 * reported, never averaged in): only ok and partial replies have a usable Total.
 */
export function isJudgeFailure(outcome: JudgeOutcome): boolean {
  return outcome !== 'ok' && outcome !== 'partial';
}

export interface JudgeVerdict {
  status: JudgeStatus;
  /** Usable total (ok/partial), else null. */
  total: number | null;
  /** Every `Name: N` found, as parsed (also out-of-range ones). */
  scores: Record<string, number>;
  problems: string[];
}

const GROUP_RE = /\[([^\n]*?)\]/g; // `\[(.*?)\]` without DOTALL
const TOTAL_RE = /Total:[\t\n\v\f\r \x1c-\x1f\x85\xa0]*(\p{Nd}+)/u;
const ITEM_RE = /([^,]+):[\t\n\v\f\r \x1c-\x1f\x85\xa0]*(\p{Nd}+)/gu;

/** Parses `[Conciseness: 1, Personalization: 4, ...]` and `[Total: 14]` groups as gpt4o_eval_score.py does, then checks ranges. */
export function parseJudgeOutput(text: string): JudgeVerdict {
  const scores: Record<string, number> = {};
  const problems: string[] = [];
  for (const [, content] of String(text ?? '').matchAll(GROUP_RE)) {
    if (content.includes('Total')) {
      const m = TOTAL_RE.exec(content);
      if (m) scores.Total = pyInt(m[1]);
    } else {
      for (const [, name, value] of content.matchAll(ITEM_RE)) scores[name.trim()] = pyInt(value);
    }
  }
  if (Object.keys(scores).length === 0) return verdict('unparseable', scores, ['no "[Name: N]" groups found']);
  let outOfRange = false;
  for (const [name, max] of Object.entries(JUDGE_MAX)) {
    const v = scores[name];
    if (v === undefined) {
      if (name !== 'Total') problems.push(`missing ${name}`);
    } else if (v < 0 || v > max) {
      outOfRange = true;
      problems.push(`${name} ${v} is outside 0-${max}`);
    }
  }
  if (scores.Total === undefined) return verdict('no_total', scores, ['no Total', ...problems]);
  const complete = JUDGE_CRITERIA.every((c) => scores[c] !== undefined);
  if (complete && !outOfRange) {
    const sum = JUDGE_CRITERIA.reduce((a, c) => a + scores[c], 0);
    if (sum !== scores.Total) problems.push(`Total ${scores.Total} is not the sum of the criteria (${sum})`);
  }
  return verdict(outOfRange ? 'out_of_range' : complete ? 'ok' : 'partial', scores, problems);
}

function verdict(status: JudgeStatus, scores: Record<string, number>, problems: string[]): JudgeVerdict {
  return { status, total: isJudgeFailure(status) ? null : scores.Total, scores, problems };
}

/** int() of Unicode decimal digits: Nd characters come in contiguous runs of tens, each starting at 0. */
function pyInt(digits: string): number {
  let value = 0;
  for (const ch of digits) {
    const cp = ch.codePointAt(0)!;
    let start = cp;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    value = value * 10 + ((cp - start) % 10);
  }
  return value;
}

/** The paper judged every 10th item (index in file order % 10 === 0); `all` judges every item. */
export function selectJudgeItems<T>(items: readonly T[], sampling: 'paper' | 'all' = 'paper'): T[] {
  return sampling === 'all' ? [...items] : items.filter((_, i) => i % 10 === 0);
}

/** What the judge summary reads of a judged item. */
export interface JudgedItem {
  task: string;
  status: JudgeOutcome;
  scores: Partial<Record<JudgeScoreName, number>>;
}

export interface JudgeGroupSummary {
  numJudged: number;
  /** Replies without a usable total (isJudgeFailure): counted here, left out of the means. */
  numFailed: number;
  failures: Partial<Record<JudgeOutcome, number>>;
  /** Means over the usable replies of each score they have (a partial reply may lack a criterion). */
  means: Partial<Record<JudgeScoreName, number>>;
}

export interface JudgeSummary {
  tasks: Array<JudgeGroupSummary & { task: string }>;
  /** All tasks together: each usable reply weighs the same. */
  overall: JudgeGroupSummary;
}

export function summarizeJudge(items: readonly JudgedItem[]): JudgeSummary {
  const byTask = new Map<string, JudgedItem[]>();
  for (const it of items) byTask.set(it.task, [...(byTask.get(it.task) ?? []), it]);
  return { tasks: [...byTask].map(([task, list]) => ({ task, ...summarizeGroup(list) })), overall: summarizeGroup(items) };
}

function summarizeGroup(list: readonly JudgedItem[]): JudgeGroupSummary {
  const usable = list.filter((v) => !isJudgeFailure(v.status));
  const failures: JudgeGroupSummary['failures'] = {};
  for (const v of list) if (isJudgeFailure(v.status)) failures[v.status] = (failures[v.status] ?? 0) + 1;
  const means: JudgeGroupSummary['means'] = {};
  for (const key of JUDGE_SCORE_NAMES) {
    const values = usable.map((v) => v.scores[key]).filter((x): x is number => x !== undefined);
    if (values.length) means[key] = values.reduce((a, b) => a + b, 0) / values.length;
  }
  return { numJudged: list.length, numFailed: list.length - usable.length, failures, means };
}
