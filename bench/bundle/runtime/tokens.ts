// Greedy tokens of two `ipdialog generate` outputs on the same prompts, request by request.

/** One line of `ipdialog generate --out`. */
export interface GenerateLine {
  id: string | number;
  token_ids: number[];
  prompt_tokens?: number;
  finish_reason?: string;
}

export interface TokenComparison {
  compared: number;
  identical: number;
  /** Requests whose tokens differ, with the first position where they do. */
  differences: Array<{ id: string; position: number }>;
  /** Ids the reference has and the candidate lacks. */
  missing: string[];
}

export function compareTokenRuns(reference: readonly GenerateLine[], candidate: readonly GenerateLine[]): TokenComparison {
  const byId = new Map(candidate.map((l) => [String(l.id), l.token_ids]));
  const out: TokenComparison = { compared: 0, identical: 0, differences: [], missing: [] };
  for (const ref of reference) {
    const id = String(ref.id);
    const got = byId.get(id);
    if (!got) {
      out.missing.push(id);
      continue;
    }
    out.compared++;
    const position = firstDifference(ref.token_ids, got);
    if (position < 0) out.identical++;
    else out.differences.push({ id, position });
  }
  return out;
}

/** -1 when equal; else the first index where they differ (the shorter length when one is a prefix). */
function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
