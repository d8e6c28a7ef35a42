/**
 * The official extraction patterns as plain JS regexes (Python's \s, \d, $ and IGNORECASE
 * rebuilt), with the official control flow. Exact but backtracking: only for short inputs,
 * as the oracle the linear scanners in scorers/extract.ts and answers.ts are checked against.
 */
import { PY_S, pyIgnoreCaseSource as ci, pyStrip } from '../../../scorers/python-compat';

const S = PY_S;
const END = '(?=\\n?$)'; // Python `$`
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const compiled = new Map<string, RegExp>();
const first = (src: string, text: string): string | null => {
  let re = compiled.get(src);
  if (!re) compiled.set(src, (re = new RegExp(src, 'u')));
  const m = re.exec(text);
  return m ? pyStrip(m[1]) : null;
};

export function oracleExtract(text: string, field = 'Attributes'): { attributes: string | null; analysis: string | null; answer: string | null } {
  const bracket = (name: string) => `${esc(name)}:${S}*\\[([\\s\\S]*?)\\]`;
  let attributes = first(bracket(field), text);
  let analysis = first(bracket('Analysis'), text);
  let answer = first(bracket('Answer'), text);
  attributes ??= first(`- \\*\\*${esc(field)}\\*\\*:${S}*\\[([\\s\\S]*?)\\]`, text);
  attributes ??= first(`"${esc(field)}":${S}*(\\[[\\s\\S]*?\\])`, text);
  analysis ??= first(`Analysis:${S}*([\\s\\S]*?)(?=\\n-${S}*(?:Answer|${END}))`, text);
  analysis ??= first(`${ci('**Analysis**')}:?${S}*([\\s\\S]*?)(?=${S}*\\n${S}*- ${ci('**Answer**')})`, text);
  analysis ??= first(`${ci('**Analysis:**')}${S}*([\\s\\S]*?)(?=${S}*\\n${S}*- ${ci('**Answer:**')})`, text);
  analysis ??= first(`${ci('"Analysis":')}${S}*\\[([\\s\\S]*?)\\]`, text);
  const numbered = `Answer:${S}*\\n((?:${S}*\\p{Nd}+\\.[\\s\\S]*(?:\\n|${END}))+)`;
  answer ??= first(numbered, text);
  if (answer === null) {
    const closed = `${text}]`;
    answer ??= first(numbered, closed);
    answer ??= first(bracket('Answer'), closed);
    answer ??= first(`Answer:${S}*([\\s\\S]*?)(?=$|\\n-${S}*[A-Z])`, closed);
    answer ??= first(`- \\*\\*Answer\\*\\*:${S}*([\\s\\S]*?)(?=$|\\n-${S}*\\*\\*)`, closed);
    answer ??= first(`"Answer":${S}*(\\[[\\s\\S]*?\\])`, closed);
  }
  return { attributes, analysis, answer };
}

/** re.findall(r"\d+\.\s+(.*?)(?=\s+\d+\.|$)", text) */
const NUMBERED_RE = new RegExp(`\\p{Nd}+\\.${S}+([^\\n]*?)(?=${S}+\\p{Nd}+\\.|${END})`, 'gu');
export function oracleNumberedItems(text: string): string[] {
  return [...text.matchAll(NUMBERED_RE)].map((m) => m[1]);
}
