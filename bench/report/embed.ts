// The report's data travels in the page gzip-compressed and base64-encoded: a full run's JSON
// (5,000 predictions, 9 MB) becomes 2 MB, and the browser's HTML parser, not JSON.parse, is what
// makes a big page slow to open. Browser-safe: CompressionStream and DecompressionStream are
// in every current browser and in Node >= 18.

/** gzip + base64 of the value's JSON. Base64 has no `<`, so the block cannot be closed early. */
export async function packData(value: unknown): Promise<string> {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  const CHUNK = 0x8000; // String.fromCharCode takes arguments: stay under the engines' limits
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** The value packData() packed: what the page's client reads (client/report.js does the same). */
export async function unpackData(text: string): Promise<unknown> {
  const binary = atob(text.trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text());
}

/** The ReportData embedded in a rendered report page. */
export function unpackPageData(html: string): Promise<unknown> {
  const m = /<script type="application\/octet-stream" id="report-data" data-encoding="gzip\+base64">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded report data in this page');
  return unpackData(m[1]);
}
