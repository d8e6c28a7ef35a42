/**
 * Scores one item as the official `eval()` does: extract, parse, then answer accuracy by
 * task and the three attribute metrics. Text in, numbers out; never throws on model output.
 */
import { IpdError, pyStr } from '../common';
import { ANSWER_KIND, type AttributeField, type DialogItem, type Task } from '../pathways';
import { parseAnswer, type ParsedAnswer } from './answers';
import { attributeScores, parseAttributes, setF1 } from './attributes';
import { extractResponse, type ExtractRule } from './extract';
import { rankAccuracy } from './kendall';
import type { TextMetric } from './meteor';

/** ok: analysis and answer found; partial: one of them; failed: neither (scored as empty strings). */
export type ParseStatus = 'ok' | 'partial' | 'failed';
export const PARSE_STATUSES = ['ok', 'partial', 'failed'] as const satisfies readonly ParseStatus[];

/** The parts extraction looks for in a response. */
export const RESPONSE_PARTS = ['attributes', 'analysis', 'answer'] as const;
export type ResponsePart = (typeof RESPONSE_PARTS)[number];

/** How well a response parsed, from the parts no rule matched: analysis and answer decide. */
export function parseStatusOf(missing: readonly string[]): ParseStatus {
  const found = (missing.includes('analysis') ? 0 : 1) + (missing.includes('answer') ? 0 : 1);
  return found === 2 ? 'ok' : found === 1 ? 'partial' : 'failed';
}

export interface ItemMetrics {
  answerAcc: number;
  attributeF1: number;
  valueF1: number;
  relativeValueAcc: number;
}

export interface ItemScore extends ItemMetrics {
  index: number;
  task: Task;
  parseStatus: ParseStatus;
  /** Fields no rule matched. */
  missing: ResponsePart[];
  rules: { attributes?: ExtractRule; analysis?: ExtractRule; answer?: ExtractRule };
  extracted: { attributes: Record<string, string>; analysis: string; answer: ParsedAnswer; rawAnswer: string };
  /** rank: the tau_b (null when the lengths differ); NaN accuracy means one list is constant. */
  kendallTau?: number | null;
  meteor?: { referenceText: string; hypothesisText: string; referenceTokens: string[]; hypothesisTokens: string[] };
}

export interface ItemScorerOptions {
  /** METEOR for the five free-text tasks; without it those tasks cannot be scored. */
  meteor?: TextMetric;
}

export type ItemScorer = (item: DialogItem, response: string, attributeField: AttributeField) => ItemScore;

export function createItemScorer(opts: ItemScorerOptions = {}): ItemScorer {
  return (item, response, attributeField) => {
    const ex = extractResponse(response, attributeField);
    const attributes = parseAttributes(ex.attributes);
    const answer = parseAnswer(ex.answer, item.task);
    const missing = RESPONSE_PARTS.filter((f) => ex.rules[f] === undefined);
    const score: ItemScore = {
      index: item.index,
      task: item.task,
      parseStatus: parseStatusOf(missing),
      missing,
      rules: ex.rules,
      extracted: { attributes: Object.fromEntries(attributes), analysis: ex.analysis, answer, rawAnswer: ex.answer },
      answerAcc: 0,
      ...pickAttributeMetrics(item, attributes),
    };
    const gt = item.GT;
    switch (ANSWER_KIND[item.task]) {
      case 'exact':
        score.answerAcc = typeof gt.answer === 'string' && gt.answer === answer ? 1 : 0;
        break;
      case 'options':
        score.answerAcc = setF1(asList(gt.answer), asList(answer)).f1;
        break;
      case 'rank': {
        const r = rankAccuracy(asList(gt.answer), asList(answer));
        score.answerAcc = r.accuracy;
        score.kendallTau = r.tau;
        break;
      }
      case 'list':
      case 'text': {
        // A set-up mistake, not bad model output: scoring these tasks needs the METEOR data.
        if (!opts.meteor) throw new IpdError('INTERNAL', `METEOR is needed to score task ${item.task}`, { hint: 'pass createItemScorer({ meteor: createMeteor(resources) })' });
        // f"{analysis} {answer}": a list answer is rendered as Python's str(list).
        const referenceText = `${gt.analysis} ${pyStr(gt.answer)}`;
        const hypothesisText = `${ex.analysis} ${pyStr(answer)}`;
        const m = opts.meteor(referenceText, hypothesisText);
        score.answerAcc = m.score;
        score.meteor = { referenceText, hypothesisText, referenceTokens: m.referenceTokens, hypothesisTokens: m.hypothesisTokens };
        break;
      }
    }
    return score;
  };
}

function pickAttributeMetrics(item: DialogItem, pred: ReadonlyMap<string, string>): Omit<ItemMetrics, 'answerAcc'> {
  const s = attributeScores(item.GT.related_attributes, pred);
  return { attributeF1: s.attributeF1, valueF1: s.valueF1, relativeValueAcc: s.relativeValueAcc };
}

/** Python's set(x) of a string iterates its characters. */
function asList(answer: ParsedAnswer): string[] {
  return typeof answer === 'string' ? Array.from(answer) : answer;
}
