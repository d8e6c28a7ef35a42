// Words as every statistic of the data report counts them.

/**
 * Lower-cased runs of letters and digits; an apostrophe inside a word keeps it whole
 * ("i'm", "don’t"), other punctuation separates words and is not counted.
 */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The n-grams of one text as keys (tokens contain no spaces, so a space joins them safely). */
export function ngramKeys(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) {
    let key = tokens[i];
    for (let k = 1; k < n; k++) key += ` ${tokens[i + k]}`;
    out.push(key);
  }
  return out;
}

/** How often each n-gram of one text occurs. */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of ngramKeys(tokens, n)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
