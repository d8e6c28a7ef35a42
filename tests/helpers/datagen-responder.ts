/**
 * A deterministic stand-in for the data-generation model: it recognises which datagen
 * template a prompt was made from and answers with well-formed text for it. A few knobs
 * make it misbehave on purpose so drops show up in the stats.
 */
import type { GenerateFn, TextRequest } from '../../common';
import { hashSeed } from '../../pathways';

export interface ResponderOptions {
  /** Every n-th answer reply (by hash) leaves out its Answer field: a parse failure. */
  brokenAnswerEvery?: number;
  /** Histories containing this attribute key are judged inconsistent: the set is dropped. */
  inconsistentKey?: string;
  /** Dialogues for this key pass the exam only after an improve. */
  improveKey?: string;
}

export type PromptKind = 'subjects' | 'requests' | 'answers' | 'turn' | 'improve' | 'exam' | 'consistency' | 'unknown';

export function promptKind(prompt: string): PromptKind {
  if (prompt.startsWith('Generate 10 subjects')) return 'subjects';
  if (prompt.startsWith('You are a request-generation engine')) return 'requests';
  if (prompt.startsWith('You are a helpful agent for the task')) return 'answers';
  if (prompt.startsWith('Generate a single-round dialogue') || prompt.startsWith('Based on the following dialogue')) return 'turn';
  if (prompt.startsWith('Given the following dialogue')) return 'improve';
  if (prompt.startsWith('Examine the following dialogue') && prompt.includes('Can you implicitly infer')) return 'exam';
  if (prompt.startsWith('Examine the following dialogue') && prompt.includes('consistent')) return 'consistency';
  return 'unknown';
}

export function promptOf(req: TextRequest): string {
  return req.prompt ?? req.messages?.map((m) => m.content).join('\n') ?? '';
}

/** The last `User Attribute Group: {...}` of a prompt (the first is the example's), as pairs. */
function userGroup(prompt: string): Array<[string, string]> {
  const at = prompt.lastIndexOf('User Attribute Group: {');
  const m = /\{([^}]*)\}/.exec(prompt.slice(at));
  return [...(m?.[1] ?? '').matchAll(/'([^']+)': '([^']+)'/g)].map((x) => [x[1], x[2]]);
}

function taskOf(prompt: string): string {
  return /for the task: (\w+)/.exec(prompt)?.[1] ?? '';
}

const OPTION_TASK_REQUESTS: Record<string, (topic: string, n: number) => string> = {
  rank: (t, n) => `Please rank these ${t} plans (${n}) for me: A. plan one B. plan two C. plan three D. plan four [Answer: CDAB]`,
  filter: (t, n) => `Please filter these ${t} offers (${n}) for me: A. one B. two C. three D. four E. five [Answer: CD]`,
  preference_infer: (t, n) => `What kind of ${t} style (${n}) do I prefer? A. calm B. bold C. practical D. academic [Answer: C]`,
};

function requestsReply(prompt: string): string {
  const task = /for the task: (\w+)/.exec(prompt)?.[1] ?? '';
  const subject = /Now list your generated requests on subject: (.*)/.exec(prompt)?.[1]?.trim() ?? 'topic';
  const tag = hashSeed(prompt) % 100000;
  const lines = [0, 1, 2].map((i) => {
    const topic = `${subject} variant ${tag}-${i}`;
    const make = OPTION_TASK_REQUESTS[task];
    if (make) return `- ${make(topic, i)}`;
    if (task === 'decision' || task === 'predict') return `- Should I commit to ${topic} this year? [Related Attributes: x. Answer: Yes]`;
    return `- I need help with ${topic}, what should I do? [Answer: 1. something]`;
  });
  return `Output requests: \n${lines.join('\n')}`;
}

function answerText(task: string): string {
  switch (task) {
    case 'decision':
    case 'predict':
      return 'yes';
    case 'rank':
      return 'C, D, A, B';
    case 'filter':
      return 'C, D';
    case 'preference_infer':
      return 'C';
    case 'recommend':
    case 'convince':
      return 'A plain recommendation that suits you';
    default:
      return '1. Make a weekly plan. 2. Ask a friend for help. 3. Review progress monthly.';
  }
}

function answersReply(prompt: string, opts: ResponderOptions): string {
  const task = taskOf(prompt);
  const group = userGroup(prompt);
  const request = /User: (.*)\nOutput: $/.exec(prompt)?.[1] ?? '';
  const h = hashSeed(request);
  // Two or three of the user's attributes, chosen by the request: a handful of distinct sets.
  const keys = ['income_level', 'residence', 'openness', 'hobby', 'age'];
  const picked = [keys[h % 5], keys[(h >>> 3) % 5], keys[(h >>> 6) % 5]].filter((k, i, a) => a.indexOf(k) === i);
  const attrs = picked.map((k) => `${k}: ${group.find(([g]) => g === k)?.[1] ?? '?'}`).join(', ');
  const analysis = `Given ${attrs}, the request "${request}" calls for a careful personal answer.`;
  if (opts.brokenAnswerEvery && h % opts.brokenAnswerEvery === 0) return `- Attributes: [${attrs}]\n- Analysis: [${analysis}]`;
  return `- Attributes: [${attrs}].\n- Analysis: [${analysis}].\n- Answer: [${answerText(task)}].`;
}

function attrOf(prompt: string): [string, string] {
  const m = /\n\n(\w+): (\S+)\n\nGuidelines/.exec(prompt) ?? /attribute: \{(\w+): ([^}]+)\}/.exec(prompt);
  return [m?.[1] ?? 'x', m?.[2] ?? 'y'];
}

export function respond(prompt: string, opts: ResponderOptions = {}): string {
  switch (promptKind(prompt)) {
    case 'subjects': {
      const domain = /Now list your generated subject on domain: (.*)/.exec(prompt)?.[1]?.trim() ?? 'd';
      return `Output subjects: \n- ${domain} basics\n- ${domain} planning\n- ${domain} habits\n`;
    }
    case 'requests':
      return requestsReply(prompt);
    case 'answers':
      return answersReply(prompt, opts);
    case 'turn': {
      const [k, v] = attrOf(prompt);
      return `User: I keep thinking about my ${k.replace(/_/g, ' ')} situation (${v.length} things on my mind).\nAI: That sounds like a lot; let us take it step by step.`;
    }
    case 'improve': {
      const [k] = attrOf(prompt);
      return `Modified Dialogue:\nUser: Lately my ${k.replace(/_/g, ' ')} shapes every plan I make (improved).\nAI: Then we will plan around it.`;
    }
    case 'exam': {
      const [k] = attrOf(prompt);
      if (k === opts.improveKey && !prompt.includes('(improved)')) return 'no';
      return 'Answer (yes/no): yes';
    }
    case 'consistency': {
      if (opts.inconsistentKey && prompt.includes(`'${opts.inconsistentKey}'`)) return 'no';
      return 'yes';
    }
    default:
      return 'I cannot help with that.';
  }
}

/** The responder as a GenerateFn, recording every prompt it saw. */
export function createScriptedGenerate(opts: ResponderOptions = {}): GenerateFn & { prompts: string[] } {
  const prompts: string[] = [];
  const fn = async (req: TextRequest) => {
    const prompt = promptOf(req);
    prompts.push(prompt);
    const text = respond(prompt, opts);
    return { text, finishReason: 'stop' as const, promptTokens: prompt.length, completionTokens: text.length, latencyMs: 0 };
  };
  return Object.assign(fn, { prompts });
}
