/**
 * Minimal protobuf wire-format reading, enough to walk an ONNX ModelProto/GraphProto
 * field by field without decoding the (possibly gigabyte-sized) initializers.
 */
export interface WireField {
  fieldNo: number;
  wireType: number;
  /** Byte range of the whole field (tag included) in the parent buffer. */
  start: number;
  end: number;
  /** For length-delimited fields: the payload range. */
  dataStart: number;
  dataEnd: number;
}

export function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  let p = pos;
  for (;;) {
    if (p >= buf.length) throw new Error('truncated protobuf varint');
    const b = buf[p++];
    // Multiplication keeps values above 2^31 exact (up to 2^53), unlike bit shifts.
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, p];
    shift += 7;
    if (shift > 63) throw new Error('malformed protobuf varint');
  }
}

export function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<WireField> {
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, p1] = readVarint(buf, pos);
    const fieldNo = Math.floor(tag / 8);
    const wireType = tag & 7;
    let dataStart = p1;
    let dataEnd: number;
    switch (wireType) {
      case 0:
        dataEnd = readVarint(buf, p1)[1];
        break;
      case 1:
        dataEnd = p1 + 8;
        break;
      case 2: {
        const [len, p2] = readVarint(buf, p1);
        dataStart = p2;
        dataEnd = p2 + len;
        break;
      }
      case 5:
        dataEnd = p1 + 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
    if (dataEnd > end) throw new Error('truncated protobuf field');
    yield { fieldNo, wireType, start: fieldStart, end: dataEnd, dataStart, dataEnd };
    pos = dataEnd;
  }
}

export function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** Tag + length prefix of a length-delimited field. */
export function lengthDelimitedHeader(fieldNo: number, length: number): Uint8Array {
  const tag = encodeVarint(fieldNo * 8 + 2);
  const len = encodeVarint(length);
  const out = new Uint8Array(tag.length + len.length);
  out.set(tag, 0);
  out.set(len, tag.length);
  return out;
}
