// Strict CBOR (RFC 8949) reading and deterministic writing, as src/ecert/core/formats/cbor.py does:
// reading refuses indefinite lengths, duplicate map keys, deep nesting and bytes after the item.
// Integers above 2^53 come back as BigInt; text as strings, bytes as Uint8Array, maps as CborMap.

export class CborError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class CborMap {
  constructor() {
    this.entries = [];
    this.index = new Map();
  }
  static keyOf(key) {
    if (typeof key === "number" || typeof key === "bigint") return "i" + BigInt(key).toString();
    if (typeof key === "string") return "s" + key;
    if (key instanceof Uint8Array) return "b" + toHex(key);
    if (typeof key === "boolean") return "t" + key;
    if (key === null) return "null";
    return null;
  }
  set(key, value) {
    const k = CborMap.keyOf(key);
    if (k === null) throw new CborError("malformed_cbor", "unsupported map key");
    if (this.index.has(k)) throw new CborError("malformed_cbor", "duplicate map key");
    this.index.set(k, value);
    this.entries.push([key, value]);
  }
  has(key) {
    return this.index.has(CborMap.keyOf(key));
  }
  get(key) {
    return this.index.get(CborMap.keyOf(key));
  }
  get size() {
    return this.entries.length;
  }
}

export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

export class CborFloat {
  constructor(value) {
    this.value = value;
  }
}

export class Simple {
  constructor(value) {
    this.value = value;
  }
}

export const UNDEFINED = new Simple(23);

export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function isInt(value) {
  return (typeof value === "number" && Number.isInteger(value)) || typeof value === "bigint";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const MAX_DEPTH = 8;

export function strictLoads(data, maxDepth = MAX_DEPTH) {
  const reader = { data, pos: 0 };
  const item = readItem(reader, maxDepth, 0);
  if (reader.pos !== data.length) {
    throw new CborError("bytes_after_cbor", `${data.length - reader.pos} bytes after the CBOR item`);
  }
  return item;
}

function need(reader, n) {
  if (reader.pos + n > reader.data.length) throw new CborError("malformed_cbor", "premature end");
}

function readArgument(reader, info) {
  if (info < 24) return info;
  if (info === 24) {
    need(reader, 1);
    return reader.data[reader.pos++];
  }
  if (info === 25 || info === 26 || info === 27) {
    const n = info === 25 ? 2 : info === 26 ? 4 : 8;
    need(reader, n);
    let value = 0n;
    for (let i = 0; i < n; i++) value = (value << 8n) | BigInt(reader.data[reader.pos++]);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  throw new CborError("malformed_cbor", "indefinite or reserved length");
}

function bytesToInt(bytes) {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

function small(value) {
  return typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function readItem(reader, maxDepth, depth) {
  if (depth >= maxDepth) throw new CborError("malformed_cbor", "maximum depth exceeded");
  need(reader, 1);
  const initial = reader.data[reader.pos++];
  const major = initial >> 5;
  const info = initial & 31;
  if (major === 7) return readSimple(reader, info);
  const arg = readArgument(reader, info);
  switch (major) {
    case 0:
      return arg;
    case 1:
      return small(-1n - BigInt(arg));
    case 2:
    case 3: {
      if (typeof arg === "bigint" || reader.pos + arg > reader.data.length) {
        throw new CborError("malformed_cbor", "premature end");
      }
      const bytes = reader.data.slice(reader.pos, reader.pos + arg);
      reader.pos += arg;
      if (major === 2) return bytes;
      try {
        return utf8.decode(bytes);
      } catch {
        throw new CborError("malformed_cbor", "invalid UTF-8");
      }
    }
    case 4: {
      if (typeof arg === "bigint" || arg > reader.data.length) throw new CborError("malformed_cbor", "too long");
      const out = [];
      for (let i = 0; i < arg; i++) out.push(readItem(reader, maxDepth, depth + 1));
      return out;
    }
    case 5: {
      if (typeof arg === "bigint" || arg > reader.data.length) throw new CborError("malformed_cbor", "too long");
      const out = new CborMap();
      for (let i = 0; i < arg; i++) {
        const key = readItem(reader, maxDepth, depth + 1);
        const value = readItem(reader, maxDepth, depth + 1);
        out.set(key, value);
      }
      return out;
    }
    case 6: {
      const value = readItem(reader, maxDepth, depth + 1);
      // Bignums read as integers, as cbor2 reads them.
      if ((arg === 2 || arg === 3) && value instanceof Uint8Array) {
        const n = bytesToInt(value);
        return small(arg === 2 ? n : -1n - n);
      }
      return new Tagged(arg, value);
    }
  }
  throw new CborError("malformed_cbor", "unknown major type");
}

function readSimple(reader, info) {
  if (info === 20) return false;
  if (info === 21) return true;
  if (info === 22) return null;
  if (info === 23) return UNDEFINED;
  if (info < 20) return new Simple(info);
  if (info === 24) {
    need(reader, 1);
    const v = reader.data[reader.pos++];
    if (v < 32) throw new CborError("malformed_cbor", "invalid simple value");
    return new Simple(v);
  }
  if (info === 25 || info === 26 || info === 27) {
    const n = info === 25 ? 2 : info === 26 ? 4 : 8;
    need(reader, n);
    const view = new DataView(reader.data.buffer, reader.data.byteOffset + reader.pos, n);
    reader.pos += n;
    if (n === 2) return new CborFloat(halfToNumber(view.getUint16(0)));
    return new CborFloat(n === 4 ? view.getFloat32(0) : view.getFloat64(0));
  }
  throw new CborError("malformed_cbor", "indefinite or reserved simple value");
}

function halfToNumber(h) {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}

// Deterministic writing (RFC 8949 §4.2.1): shortest heads, map keys in order of their encoding.
function head(major, value) {
  const n = BigInt(value);
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  if (n < 0x100n) return [m | 24, Number(n)];
  if (n < 0x10000n) return [m | 25, Number(n >> 8n), Number(n & 0xffn)];
  if (n < 0x100000000n) {
    return [m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  }
  return [m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
}

const utf8Encoder = new TextEncoder();

function encodeInto(out, item) {
  if (isInt(item)) {
    const n = BigInt(item);
    out.push(...(n >= 0n ? head(0, n) : head(1, -1n - n)));
  } else if (item instanceof Uint8Array) {
    out.push(...head(2, item.length));
    for (const b of item) out.push(b);
  } else if (typeof item === "string") {
    const bytes = utf8Encoder.encode(item);
    out.push(...head(3, bytes.length));
    for (const b of bytes) out.push(b);
  } else if (Array.isArray(item)) {
    out.push(...head(4, item.length));
    for (const x of item) encodeInto(out, x);
  } else if (item instanceof CborMap) {
    const pairs = item.entries.map(([k, v]) => [encode(k), encode(v)]);
    pairs.sort((a, b) => compareBytes(a[0], b[0]));
    out.push(...head(5, pairs.length));
    for (const [k, v] of pairs) {
      for (const b of k) out.push(b);
      for (const b of v) out.push(b);
    }
  } else if (item === false) {
    out.push(0xf4);
  } else if (item === true) {
    out.push(0xf5);
  } else if (item === null) {
    out.push(0xf6);
  } else if (item instanceof Tagged) {
    out.push(...head(6, item.tag));
    encodeInto(out, item.value);
  } else {
    throw new CborError("malformed_cbor", "cannot encode this item");
  }
}

export function encode(item) {
  const out = [];
  encodeInto(out, item);
  return Uint8Array.from(out);
}

export function compareBytes(a, b) {
  // Length first, then bytes (the order cbor2's canonical encoder uses; the same as RFC 8949 §4.2.1
  // for the small integer keys ecert writes).
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
