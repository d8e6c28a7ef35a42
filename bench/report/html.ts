// Escaping and embedding rules for the self-contained page. Browser-safe.
import { IpdError } from '../../common';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values: responses are untrusted model output. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` block. `<`, `>` and `&` become \u escapes
 * (still valid JSON) so no string can close the block or open a comment; U+2028/9 are
 * escaped for readers that treat the block as JavaScript.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Library code for an inline `<script>`: the source-map comment goes (it would be a
 * network fetch), and a literal `</script` or `<!--` is refused rather than rewritten,
 * since rewriting code outside string literals could change what it means.
 */
export function inlineScript(code: string, what: string): string {
  const cleaned = code.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  if (/<\/script|<!--/i.test(cleaned)) throw new IpdError('INTERNAL', `${what} contains "</script" or "<!--" and cannot be inlined`);
  return cleaned;
}

export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** A 95% interval as "[low, high]" (null: none); brackets, not a dash, since ends may be negative. */
export function fmtInterval(ci: readonly [number, number] | null | undefined, digits = 2): string {
  if (!ci) return '';
  return `[${fmt(ci[0], digits)}, ${fmt(ci[1], digits)}]`;
}

/** A mean with its interval below it, for table cells (the interval is left out where there is none). */
export function meanWithInterval(mean: number | null | undefined, ci: readonly [number, number] | null | undefined, digits = 3): string {
  const interval = fmtInterval(ci, digits);
  return `${fmt(mean, digits)}${interval ? `<small class="ci" title="95% bootstrap interval">${interval}</small>` : ''}`;
}
