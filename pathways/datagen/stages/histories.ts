/**
 * Step "histories": for each distinct related-attribute set, one dialogue round per
 * attribute, in the set's (sorted) order, as the original history_turn*.py scripts ran it:
 *
 *   generate -> parse -> exam ("can the attribute be inferred implicitly?")
 *     while the exam fails: improve the round, every `regenerateEvery`-th try regenerate it,
 *     up to `maxRetries` more tries;
 *   then the consistency check of the round against the whole set.
 *
 * A round whose exam never passes, or that fails the consistency check, drops the set
 * (the original marked it "remove" and left it out of the dataset).
 */
import type { Question, AttributeSet, History } from '../records';
import { parseDialogue, parseVerdict, roundText, type DialogueRound } from '../parse';
import { historyConsistencyPrompt, historyExamPrompt, historyImprovePrompt, historyTurnPrompt, type AttributePair } from '../prompts';
import { ask, bump, clip, type Stage, type StageContext } from '../stage';
import type { UnitOutcome } from '../records';

/** Canonical name of a set: its pairs sorted by key. */
export function attributeSetKey(attrs: Readonly<Record<string, string>>): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrs[k]}`)
    .join(',');
}

/**
 * The distinct sets of the questions (GT_attr.jsonl): keys sorted, ids in order of first
 * use, with the number of questions using each.
 */
export function planAttributeSets(questions: readonly Question[]): AttributeSet[] {
  const sets = new Map<string, AttributeSet>();
  for (const q of questions) {
    const key = attributeSetKey(q.GT.related_attributes);
    const found = sets.get(key);
    if (found) found.count++;
    else {
      const attrs = q.GT.related_attributes;
      const sorted = Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
      sets.set(key, { id: sets.size, related_attributes: sorted, count: 1 });
    }
  }
  return [...sets.values()];
}

export interface HistoriesStageOptions {
  /** Tries after the first for each round (the paper ran 30). */
  maxRetries: number;
  /** Every n-th retry regenerates the round from scratch instead of improving it (the paper: 4). */
  regenerateEvery: number;
}

type RoundResult = { ok: true; round: DialogueRound } | { ok: false; reason: string; detail?: string };

export function createHistoriesStage(opts: HistoriesStageOptions): Stage<AttributeSet, History> {
  return {
    step: 'histories',
    key: (s) => attributeSetKey(s.related_attributes),
    async run(set, ctx) {
      const key = attributeSetKey(set.related_attributes);
      const out: UnitOutcome<History> = { key, outputs: [], calls: 0, parsed: 0, parseFailures: 0, counters: {} };
      const rounds: DialogueRound[] = [];
      const pairs = Object.entries(set.related_attributes);
      for (let turn = 0; turn < pairs.length; turn++) {
        const r = await buildRound(ctx, opts, out, key, turn, rounds.map(roundText), pairs[turn], set.related_attributes);
        if (!r.ok) return { ...out, dropped: r.reason, ...(r.detail !== undefined && { detail: r.detail }) };
        rounds.push(r.round);
      }
      bump(out.counters!, 'rounds', rounds.length);
      return { ...out, outputs: [{ ...set, history: rounds }] };
    },
  };
}

async function buildRound(
  ctx: StageContext,
  opts: HistoriesStageOptions,
  out: UnitOutcome<History>,
  key: string,
  turn: number,
  previous: readonly string[],
  pair: AttributePair,
  related: Readonly<Record<string, string>>,
): Promise<RoundResult> {
  const c = out.counters!;
  let current: DialogueRound | null = null;
  let lastProblem: RoundResult = { ok: false, reason: 'exam_failed' };
  for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
    // Improve needs a parsed round to work on; otherwise (and on schedule) start afresh.
    const fresh = current === null || (attempt > 0 && attempt % opts.regenerateEvery === 0);
    if (attempt > 0) bump(c, fresh ? 'regenerate' : 'improve');
    const prompt = fresh ? historyTurnPrompt(previous, pair) : historyImprovePrompt(roundText(current!), pair);
    const seedParts = ['histories', key, turn, attempt];
    const reply = await ask(ctx, prompt, seedParts);
    out.calls++;
    if (!reply.ok) return { ok: false, reason: 'generation_error', detail: clip(reply.error) };
    const parsed = parseDialogue(reply.text);
    if (!parsed.ok) {
      out.parseFailures++;
      bump(c, `dialogue_unparsed:${parsed.reason}`);
      lastProblem = { ok: false, reason: current ? 'exam_failed' : 'dialogue_unparsed', detail: clip(reply.text) };
      continue;
    }
    out.parsed++;
    current = parsed.value;
    const exam = await ask(ctx, historyExamPrompt(roundText(current), pair), [...seedParts, 'exam'], true);
    out.calls++;
    bump(c, 'exam');
    if (!exam.ok) return { ok: false, reason: 'generation_error', detail: clip(exam.error) };
    const verdict = parseVerdict(exam.text);
    if (verdict === null) {
      out.parseFailures++;
      bump(c, 'exam_unparsed');
    } else out.parsed++;
    if (verdict === 'yes') {
      bump(c, 'exam_passed');
      return checkConsistency(ctx, out, seedParts, current, related);
    }
    bump(c, 'exam_failed');
    lastProblem = { ok: false, reason: 'exam_failed', detail: `${pair[0]}: ${pair[1]}` };
  }
  return lastProblem;
}

async function checkConsistency(
  ctx: StageContext,
  out: UnitOutcome<History>,
  seedParts: ReadonlyArray<string | number>,
  round: DialogueRound,
  related: Readonly<Record<string, string>>,
): Promise<RoundResult> {
  const reply = await ask(ctx, historyConsistencyPrompt(roundText(round), related), [...seedParts, 'consistency'], true);
  out.calls++;
  bump(out.counters!, 'consistency');
  if (!reply.ok) return { ok: false, reason: 'generation_error', detail: clip(reply.error) };
  const verdict = parseVerdict(reply.text);
  if (verdict === null) {
    out.parseFailures++;
    return { ok: false, reason: 'consistency_unparsed', detail: clip(reply.text) };
  }
  out.parsed++;
  if (verdict === 'no') return { ok: false, reason: 'inconsistent', detail: clip(roundText(round)) };
  return { ok: true, round };
}
