// Escaping and embedding rules for the self-contained page. Browser-safe.
import { IpdError } from '../../common';
import { sha256Base64 } from '../runlog';

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

/**
 * The start of a self-contained page, up to `<body>`: only the given inline scripts may run
 * (their hashes, not 'unsafe-inline', which also blocks inline event handlers, a second line of
 * defence behind escaping), and default-src 'none' keeps the page offline.
 */
export async function pageHead(title: string, css: string, scripts: readonly string[]): Promise<string> {
  const hashes = await Promise.all(scripts.map(async (code) => `'sha256-${await sha256Base64(code)}'`));
  const csp = ["default-src 'none'", `script-src ${hashes.join(' ')}`, "style-src 'unsafe-inline'", 'img-src data:'].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css.replace(/<\/style/gi, '<\\/style')}</style>
</head>
<body>`;
}
