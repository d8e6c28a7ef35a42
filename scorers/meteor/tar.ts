/**
 * A minimal reader for (uncompressed) ustar archives: regular files only, with the ustar
 * name prefix. Enough for the WordNet tarball; browser-safe (no Node APIs).
 */
export function readTar(bytes: Uint8Array, wanted?: (name: string) => boolean): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const ascii = (start: number, length: number): string => {
    let s = '';
    for (let i = start; i < start + length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
    return s;
  };
  let pos = 0;
  while (pos + 512 <= bytes.length) {
    const name = ascii(pos, 100);
    if (name === '') break; // end-of-archive blocks
    const size = parseInt(ascii(pos + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(bytes[pos + 156] || 0x30);
    const prefix = ascii(pos + 257, 6).startsWith('ustar') ? ascii(pos + 345, 155) : '';
    const fullName = prefix ? `${prefix}/${name}` : name;
    const start = pos + 512;
    if ((type === '0' || type === '\0') && (!wanted || wanted(fullName))) files.set(fullName, bytes.subarray(start, start + size));
    pos = start + Math.ceil(size / 512) * 512;
  }
  return files;
}
