/**
 * Parsers for the generation steps, with the acceptance rules of the original extract
 * scripts (question_subjects_extract.py, question_user_request_extract.py,
 * history_turn_extract.py, history_turn_exam_extract.py). Model output is data: these
 * return a reason instead of throwing, and the caller counts it.
 */
import type { DialogMessage } from '../schema';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; detail?: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string, detail?: string): Parsed<T> => ({ ok: false, reason, ...(detail !== undefined && { detail }) });

/** Python's len(): code points, not UTF-16 units. */
const pyLen = (s: string): number => [...s].length;

/** Longest subject the original accepted (characters after trimming). */
export const MAX_SUBJECT_LENGTH = 50;

/**
 * Subjects: every "- item" line; the whole reply fails when there is none, or when any item
 * is empty or longer than 50 characters.
 */
export function parseSubjects(text: string): Parsed<string[]> {
  const items = [...text.matchAll(/^\s*-\s*(.+?)\s*$/gm)].map((m) => m[1].trim());
  if (items.length === 0) return fail('no_list_items');
  const bad = items.find((s) => s === '' || pyLen(s) > MAX_SUBJECT_LENGTH);
  if (bad !== undefined) return fail(bad === '' ? 'empty_subject' : 'subject_too_long', bad);
  return ok(items);
}

/** Drops a leading "request N:" label, as the original reextract_request. */
export function stripRequestLabel(request: string): string {
  return request.replace(/^request\s*\d+:\s*/i, '').trim();
}

/**
 * Requests: the text of each "- request [Answer: ...]" line up to its "[" (the bracket is
 * the generator's own answer, discarded). Exactly 3 or 4 lines; none empty; none may
 * contain the word "answer" (a sign the bracket was not where it belonged).
 */
export function parseRequests(text: string): Parsed<string[]> {
  const found = [...text.matchAll(/^-\s*(.*?)(?=\s*\[|$)/gm)].map((m) => m[1].trim());
  if (found.length !== 3 && found.length !== 4) return fail('request_count', `expected 3 or 4 requests, found ${found.length}`);
  const out: string[] = [];
  for (const r of found) {
    if (r === '') return fail('empty_request');
    if (/\banswer\b/i.test(r)) return fail('request_contains_answer', r);
    const cleaned = stripRequestLabel(r);
    if (cleaned === '') return fail('empty_request');
    out.push(cleaned);
  }
  return ok(out);
}

/** A placeholder line such as "Request 2" that the answer step skips (the original's invalid_request). */
export function isPlaceholderRequest(request: string): boolean {
  return /^request \d+$/i.test(request);
}

/** One dialogue round as the dataset stores it. */
export type DialogueRound = DialogMessage[];

/**
 * One dialogue round: exactly one `User:` then one `AI:` message (after "Modified Dialogue:"
 * when the model wrote that), each 2 to 499 characters.
 */
export function parseDialogue(text: string): Parsed<DialogueRound> {
  const modified = /Modified Dialogue:\s*([\s\S]*)/.exec(text);
  const body = modified ? modified[1] : text;
  // With line breaks a message runs to the next line that starts a message; on one line,
  // to the next speaker label.
  const re = body.includes('\n') ? /(User|AI):\s*([\s\S]*?)(?=\n(?:User|AI):|$)/g : /(User|AI):\s*(.*?)(?=(?:User|AI):|$)/g;
  const round: DialogueRound = [];
  let expected: 'User' | 'AI' = 'User';
  for (const m of body.matchAll(re)) {
    const speaker = m[1] as 'User' | 'AI';
    const content = m[2].trim();
    if (pyLen(content) <= 1) return fail('empty_message', speaker);
    if (pyLen(content) >= 500) return fail('message_too_long', speaker);
    if (speaker !== expected) return fail('speaker_order', `expected ${expected}, got ${speaker}`);
    round.push({ speaker, content });
    expected = expected === 'User' ? 'AI' : 'User';
  }
  if (round.length !== 2) return fail('message_count', `expected one User and one AI message, found ${round.length}`);
  return ok(round);
}

/** A round as the prompts show it: `User: ...\nAI: ...`. */
export function roundText(round: readonly DialogMessage[]): string {
  return round.map((m) => `${m.speaker}: ${m.content}`).join('\n');
}

const YES_PREFIXES = ['yes', '[answer]: yes', 'answer (yes/no): yes', 'answer (yes)', 'answer: yes'];
const NO_PREFIXES = ['no', '[answer]: no', 'answer (yes/no): no', 'answer (no)', 'answer: no'];

/**
 * The exam and consistency verdicts, read as the original did: a leading yes, or "yes"
 * without "no" anywhere (substring, so "know" counts as "no"), then the same for no.
 * Null when it cannot tell.
 */
export function parseVerdict(text: string): 'yes' | 'no' | null {
  const t = text.toLowerCase();
  if (YES_PREFIXES.some((p) => t.startsWith(p))) return 'yes';
  if (t.includes('yes') && !t.includes('no')) return 'yes';
  if (NO_PREFIXES.some((p) => t.startsWith(p))) return 'no';
  if (t.includes('no') && !t.includes('yes')) return 'no';
  return null;
}
