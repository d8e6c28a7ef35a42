// SHA-256 through Web Crypto, the same code in the browser and in Node (>= 20): the dataset
// hash in run.json and the report's Content-Security-Policy script hashes.

async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return Array.from(await sha256(data), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Base64(data: Uint8Array | string): Promise<string> {
  let binary = '';
  for (const b of await sha256(data)) binary += String.fromCharCode(b);
  return btoa(binary);
}
