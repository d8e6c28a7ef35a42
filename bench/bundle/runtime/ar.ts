// The Unix ar container (a .deb is one): a magic line, then members with 60-byte text headers,
// each padded to an even offset. Small enough to read here rather than need `ar` or `dpkg`
// on the lent machine.
import { IpdError } from '../../../common';

const MAGIC = '!<arch>\n';
const HEADER = 60;

/** Members in archive order: name -> bytes (views into `bytes`). */
export function readArArchive(bytes: Uint8Array, file = 'archive'): Map<string, Uint8Array> {
  const text = (start: number, length: number) => new TextDecoder('latin1').decode(bytes.subarray(start, start + length));
  if (text(0, MAGIC.length) !== MAGIC) throw new IpdError('INPUT_INVALID', `${file} is not an ar archive (no "!<arch>" line)`, { file });
  const members = new Map<string, Uint8Array>();
  let pos = MAGIC.length;
  while (pos + HEADER <= bytes.length) {
    if (text(pos + 58, 2) !== '`\n') throw new IpdError('INPUT_INVALID', `${file}: broken ar member header at byte ${pos}`, { file });
    // GNU ar ends names with "/"; BSD-style long names ("#1/...") never occur in a .deb.
    const name = text(pos, 16).trimEnd().replace(/\/$/, '');
    const size = Number.parseInt(text(pos + 48, 10).trim(), 10);
    const start = pos + HEADER;
    if (!Number.isFinite(size) || start + size > bytes.length) throw new IpdError('INPUT_INVALID', `${file}: member "${name}" runs past the end`, { file });
    members.set(name, bytes.subarray(start, start + size));
    pos = start + size + (size % 2);
  }
  return members;
}
