//! Just enough protocol-buffers encoding to write an ONNX model: varints, length-delimited fields
//! (strings, bytes, nested messages), 32-bit floats and packed repeated integers.
//! A field's key is its number × 8 + its wire type: 0 varint, 2 length-delimited, 5 32-bit.

const encoder = new TextEncoder();

/** A non-negative integer below 2⁵³ as a varint: 7 bits a byte, low bits first, high bit = more follow. */
export function varint(value) {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${value} is not a non-negative integer this encoder writes`);
  const out = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A message being written: call the field methods in field order, then encode(). */
export class Message {
  constructor() {
    this.parts = [];
  }

  key(field, wireType) {
    this.parts.push(varint(field * 8 + wireType));
  }

  int(field, value) {
    this.key(field, 0);
    this.parts.push(varint(value));
    return this;
  }

  float(field, value) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.key(field, 5);
    this.parts.push(b);
    return this;
  }

  /** A length-delimited field: bytes, or a nested Message. */
  field(field, content) {
    const bytes = content instanceof Message ? content.encode() : content;
    this.key(field, 2);
    this.parts.push(varint(bytes.length), bytes);
    return this;
  }

  string(field, text) {
    return this.field(field, encoder.encode(text));
  }

  /** A packed repeated integer field (accepted for proto2 repeated scalars too). */
  packedInts(field, values) {
    return this.field(field, concat(values.map(varint)));
  }

  encode() {
    return concat(this.parts);
  }
}
