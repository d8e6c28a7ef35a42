// Seeded random and adversarial strings for the property tests.
export function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces of real response syntax plus the characters where Python and JS disagree. */
export const FRAGMENTS = [
  'Attributes:', 'Related Attribute Values:', 'Attribute Values:', 'Full Attribute Values:', '- **Attributes**:', '"Attributes":',
  'Analysis:', '**Analysis**', '**analysis**:', '**ANALYSIS:**', '**Analysis:**', '"Analysis":', '"analysis":',
  'Answer:', '- **Answer**:', '- **Answer**', '- **answer:**', '- **Answer:**', '"Answer":', '- Answer', '- ', '-',
  '\n', '\n\n', ' ', '  ', '\t', '\r\n', '\x1c', '\x85', '\ufeff', '\u00a0', '\u2028',
  '[', ']', '[[', ']]', '1.', '2. ', '12.', '3.', '٣.', '𝟙.', 'A', 'B, ', 'c', 'ii', 'iv', 'vi', 'III', 'IV', 'x', 'yes', 'No',
  ',', ':', '.', 'age: adult', 'gender: male, ', 'é', '🙂', 'İ', 'ı', 'ſ', '**', '- A', 'A.', 'b. text', 'Z', '\ud800',
] as const;

export function randomResponse(rnd: () => number, maxPieces = 14): string {
  const n = Math.floor(rnd() * maxPieces);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.1) s += String.fromCodePoint(Math.floor(rnd() * 0x2ffff));
    else s += FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)];
  }
  return s;
}
