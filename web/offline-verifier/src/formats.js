// ecert's signed formats, read as src/ecert/core/formats/ reads them (docs/formats/): the QR text
// (qr.py), COSE_Sign1 (cose.py), the v1 claims (claims.py), the trust list (trust_list.py) and the
// status lists (status_list.py). Every refusal carries the same code as the Python reader's.
import {
  CborError,
  CborMap,
  Tagged,
  encode,
  equalBytes,
  isInt,
  strictLoads,
} from "./cbor.js";
import { loadVerificationKey } from "./crypto.js";
import { parseCertificate } from "./x509.js";

export class FormatError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

const fail = (code, message) => new FormatError(code, message);

// ---- QR text and base42 (docs/formats/qr.md) ----
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-.:";
const MAX_PAYLOAD_CHARS = 600;
const HOST =
  /^[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?(?:\.[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?)*(?::[0-9]{1,5})?$/;

export function base42Decode(text) {
  if (text.length % 3 === 1) throw fail("bad_length");
  const values = [];
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0 || char.length !== 1) throw fail("bad_character");
    values.push(value);
  }
  const out = [];
  const full = values.length - (values.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = values[i] + values[i + 1] * 42 + values[i + 2] * 42 * 42;
    if (n > 0xffff) throw fail("bad_value");
    out.push(n >> 8, n & 0xff);
  }
  if (full < values.length) {
    const n = values[full] + values[full + 1] * 42;
    if (n > 0xff) throw fail("bad_value");
    out.push(n);
  }
  return Uint8Array.from(out);
}

// Python's str.strip(): Unicode whitespace (JavaScript's trim also removes U+FEFF, Python's not).
const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f\\x85\\p{Zs}\\u2028\\u2029]";
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "gu");
export const pyStrip = (text) => text.replace(PY_STRIP, "");

export function parseQrText(raw) {
  const text = pyStrip(raw);
  const sep = text.indexOf("://");
  if (sep < 0 || text.slice(0, sep).toUpperCase() !== "HTTPS") throw fail("not_ecert");
  const rest = text.slice(sep + 3);
  const at = rest.indexOf("/V/");
  if (at < 0 || !HOST.test(rest.slice(0, at).toUpperCase())) throw fail("not_ecert");
  const payload = rest.slice(at + 3);
  if (!payload) throw fail("empty");
  if (payload.length > MAX_PAYLOAD_CHARS) throw fail("too_long");
  const data = base42Decode(payload);
  if (!data.length) throw fail("empty");
  if (data[0] !== 1) throw fail("unsupported_version");
  return { host: rest.slice(0, at).toUpperCase(), signed: data.subarray(1) };
}

// ---- COSE_Sign1 (RFC 9052 §4.2; docs/formats/credential-v1.md) ----
const SIGNATURE1 = new TextEncoder().encode("Signature1");

export function decodeSign1(data) {
  let item;
  try {
    item = strictLoads(data);
  } catch (error) {
    if (error instanceof CborError) throw fail("not_cbor");
    throw error;
  }
  if (item instanceof Tagged) {
    if (item.tag !== 18) throw fail("wrong_tag");
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) throw fail("not_sign1");
  const [protectedBytes, unprotected, payload, signature] = item;
  if (!(protectedBytes instanceof Uint8Array) || !(unprotected instanceof CborMap)) throw fail("bad_headers");
  if (!(payload instanceof Uint8Array)) throw fail("no_payload");
  if (!(signature instanceof Uint8Array)) throw fail("bad_signature");
  let headers = new CborMap();
  if (protectedBytes.length) {
    try {
      headers = strictLoads(protectedBytes);
    } catch (error) {
      if (error instanceof CborError) throw fail("bad_headers");
      throw error;
    }
    if (!(headers instanceof CborMap)) throw fail("bad_headers");
  }
  const alg = headers.get(1);
  const kid = headers.has(4) ? headers.get(4) : unprotected.get(4);
  return {
    protected: protectedBytes,
    algorithm: isInt(alg) ? Number(alg) : null,
    kid: kid instanceof Uint8Array ? kid : null,
    payload,
    signature,
  };
}

function bstr(data) {
  const n = data.length;
  let headBytes;
  if (n < 24) headBytes = [0x40 | n];
  else if (n < 0x100) headBytes = [0x58, n];
  else if (n < 0x10000) headBytes = [0x59, n >> 8, n & 0xff];
  else headBytes = [0x5a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(headBytes.length + n);
  out.set(headBytes);
  out.set(data, headBytes.length);
  return out;
}

export function sigStructure(protectedBytes, payload) {
  const parts = [Uint8Array.of(0x84, 0x6a), SIGNATURE1, bstr(protectedBytes), bstr(new Uint8Array(0)), bstr(payload)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

// True if the message is signed by `key` with the algorithm its protected header names.
export async function verifySign1(message, key) {
  if (message.algorithm !== key.algorithm) return false;
  return key.verify(sigStructure(message.protected, message.payload), message.signature);
}

// ---- Claims v1 (docs/formats/credential-v1.md) ----
const TEXT = "text";
const INT = "int";
const DATE = "date";
const MONTH = "month";
const BOOL = "bool";
const PID = "pid";
const SCHEMA = [
  [1, "kind", INT, true, 0],
  [2, "public_id", PID, true, 0],
  [3, "issuer", INT, true, 0],
  [4, "signed_at", INT, true, 0],
  [5, "status_index", INT, true, 0],
  [6, "holder_name", TEXT, true, 40],
  [7, "id_type", INT, true, 0],
  [8, "id_number", TEXT, true, 32],
  [9, "sex", INT, false, 0],
  [10, "birth_month", MONTH, false, 0],
  [11, "qualification", INT, false, 0],
  [12, "level", TEXT, false, 16],
  [13, "specialty", TEXT, false, 32],
  [14, "series", TEXT, false, 32],
  [15, "approval_date", DATE, true, 0],
  [16, "number", TEXT, true, 32],
  [17, "issue_date", DATE, true, 0],
  [18, "exam_year", INT, false, 0],
  [19, "grassroots", BOOL, false, 0],
  [20, "verification_code", TEXT, false, 8],
  [21, "valid_until", DATE, false, 0],
  [22, "purpose", TEXT, false, 20],
  [23, "licence_version", INT, false, 0],
  [24, "title", TEXT, false, 16],
];
const BY_KEY = new Map(SCHEMA.map(([key, name, kind, required, limit]) => [key, { key, name, kind, required, limit }]));
const INT_RANGES = {
  issuer: [0n, 2n ** 32n - 1n],
  qualification: [1n, 2n ** 32n - 1n],
  signed_at: [946684800n, 4102444800n],
  status_index: [0n, 2n ** 40n - 1n],
  exam_year: [1980n, 2100n],
  licence_version: [1n, 9999n],
};
const KINDS = new Set([1, 2, 3, 4, 5, 6]);
const ID_TYPES = new Set([1, 2, 3, 4, 5, 9]);
const SEXES = new Set([1, 2]);
export const STATUS_LIST_SIZE = 131072;
const PUBLIC_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const REFUSED_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const gb18030 = new TextDecoder("gb18030", { fatal: true });

function checkText(value, limit, normalise) {
  if (normalise) value = pyStrip(value).normalize("NFC");
  else if (value.normalize("NFC") !== value) throw fail("not_nfc");
  if (!value) throw fail("empty");
  if ([...value].length > limit) throw fail("too_long");
  if (REFUSED_CHARACTER.test(value)) throw fail("bad_character");
  return value;
}

const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export function gb11643Check(body) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * GB11643_WEIGHTS[i];
  return "10X98765432"[sum % 11];
}

function residentIdNumber(value) {
  const n = BigInt(value);
  if (n < 0n || n >= 10n ** 17n) throw fail("bad_id_number");
  const body = n.toString().padStart(17, "0");
  return body + gb11643Check(body);
}

function publicIdText(raw) {
  let n = 0n;
  for (const b of raw) n = (n << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = PUBLIC_ID_ALPHABET[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

function validDate(value) {
  const n = Number(value);
  const year = Math.floor(n / 10000);
  const month = Math.floor(n / 100) % 100;
  const day = n % 100;
  if (typeof value === "bigint" || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) throw fail("bad_date");
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 ? (leap ? 29 : 28) : days)) throw fail("bad_date");
  return n;
}

function readValue(kind, value) {
  if (kind === TEXT) {
    if (!(value instanceof Uint8Array)) throw fail("wrong_type");
    try {
      return gb18030.decode(value);
    } catch {
      throw fail("bad_encoding");
    }
  }
  if (kind === BOOL) {
    if (typeof value !== "boolean") throw fail("wrong_type");
    return value;
  }
  if (kind === PID) {
    if (!(value instanceof Uint8Array) || value.length !== 10) throw fail("wrong_type");
    return publicIdText(value);
  }
  if (!isInt(value) || value < 0) throw fail("wrong_type");
  if (kind === DATE) return validDate(value);
  return value;
}

// Read v1 claims strictly: the same refusals, in the same order, as claims.claims_from_cbor.
export function claimsFromCbor(data) {
  let item;
  try {
    item = strictLoads(data, 2);
  } catch (error) {
    if (error instanceof CborError) throw fail("not_cbor");
    throw error;
  }
  if (!(item instanceof CborMap)) throw fail("not_map");
  const values = {};
  const raw = {};
  for (const [key, value] of item.entries) {
    const field = isInt(key) ? BY_KEY.get(Number(key)) : undefined;
    if (field === undefined || typeof key === "bigint") throw fail("unknown_field");
    raw[field.name] = value;
    if (field.name === "id_number" && isInt(value)) values.id_number = residentIdNumber(value);
    else values[field.name] = readValue(field.kind, value);
  }
  for (const [, name, , required] of SCHEMA) if (required && !(name in values)) throw fail("missing_field");
  for (const [, name, kind, , limit] of SCHEMA) if (kind === TEXT && name in values) checkText(values[name], limit, false);
  // What building the claims checks (claims._check), field by field, then the codes.
  const stripped = {};
  for (const [, name, kind, , limit] of SCHEMA) {
    const value = values[name];
    if (value === undefined) continue;
    if (kind === TEXT) stripped[name] = checkText(value, limit, true);
    else if (kind === INT && name in INT_RANGES) {
      const [low, high] = INT_RANGES[name];
      if (BigInt(value) < low || BigInt(value) > high) throw fail("out_of_range");
    } else if (kind === MONTH) {
      const n = Number(value);
      const year = Math.floor(n / 100);
      const month = n % 100;
      if (typeof value === "bigint" || !(year >= 1900 && year <= 2100 && month >= 1 && month <= 12)) throw fail("out_of_range");
    }
  }
  const asCode = (value, codes) => {
    if (typeof value === "bigint" || !codes.has(value)) throw fail("out_of_range");
    return value;
  };
  asCode(values.kind, KINDS);
  asCode(values.id_type, ID_TYPES);
  if (values.sex !== undefined) asCode(values.sex, SEXES);
  if ((values.qualification === undefined) === (values.title === undefined)) throw fail("qualification_or_title");
  const resident = values.id_type === 1;
  if (resident && (values.sex !== undefined || values.birth_month !== undefined)) throw fail("derivable");
  const idNumber = stripped.id_number;
  if (resident && !(idNumber.length === 18 && /^[0-9]{17}$/.test(idNumber.slice(0, 17)) && gb11643Check(idNumber) === idNumber[17])) {
    throw fail("bad_id_number");
  }
  // Canonical: what a v1 writer would write from these claims must be the bytes that came in.
  let canonical = true;
  for (const [, name, kind] of SCHEMA) {
    if (name in stripped && stripped[name] !== values[name]) canonical = false;
  }
  if (resident !== isInt(raw.id_number)) canonical = false;
  if (!canonical || !equalBytes(encode(item), data)) throw fail("not_canonical");
  const claims = { ...values, ...stripped };
  claims.status_index = Number(claims.status_index);
  return claims;
}

// ---- Trust list (docs/formats/trust-list.md) ----
export const PURPOSE_CREDENTIALS = 1;
export const PURPOSE_STATUS_LISTS = 2;

function nonNegative(value) {
  if (!isInt(value) || typeof value === "boolean" || value < 0) throw new TypeError("expected a non-negative integer");
  return Number(value);
}
function text(value) {
  if (typeof value !== "string") throw new TypeError("expected text");
  return value;
}
function bytes(value) {
  if (!(value instanceof Uint8Array)) throw new TypeError("expected bytes");
  return value;
}
function seq(value) {
  if (!Array.isArray(value)) throw new TypeError("expected an array");
  return value;
}
function map(value) {
  if (!(value instanceof CborMap)) throw new TypeError("expected a map");
  return value;
}
function field(m, key) {
  if (!m.has(key)) throw new TypeError(`missing key ${key}`);
  return m.get(key);
}
function code(value, codes) {
  const n = nonNegative(value);
  if (!codes.has(n)) throw new TypeError("unknown code");
  return n;
}

export function signingProblem(signer, at, purpose, kind) {
  if (!signer.purposes.has(purpose) || (kind !== null && !signer.kinds.has(kind))) return "signer_not_authorised";
  if (signer.revokedAt !== null && at >= signer.revokedAt) return "signer_revoked";
  if (!(signer.notBefore <= at && at <= signer.notAfter)) return "outside_signing_window";
  return null;
}

function readTrustList(payload) {
  try {
    let item;
    try {
      item = strictLoads(payload, 5);
    } catch (error) {
      if (error instanceof CborError) throw new TypeError(error.message);
      throw error;
    }
    if (!(item instanceof CborMap) || item.get(0) !== 1) throw new TypeError("unsupported trust list version");
    const authorities = seq(field(item, 5)).map((a) => {
      const m = map(a);
      return {
        number: nonNegative(field(m, 1)),
        key: text(field(m, 2)),
        name: text(field(m, 3)),
        creditCode: m.has(4) ? text(m.get(4)) : null,
      };
    });
    const signers = seq(field(item, 6)).map((s) => {
      const m = map(s);
      return {
        kid: bytes(field(m, 1)),
        authority: nonNegative(field(m, 2)),
        certificate: bytes(field(m, 3)),
        kinds: new Set(seq(field(m, 4)).map((k) => code(k, KINDS))),
        purposes: new Set(seq(field(m, 5)).map((p) => code(p, new Set([1, 2, 3])))),
        notBefore: nonNegative(field(m, 6)),
        notAfter: nonNegative(field(m, 7)),
        revokedAt: m.has(8) ? nonNegative(m.get(8)) : null,
        key: null,
      };
    });
    const qualifications = new Map();
    for (const [k, v] of map(field(item, 7)).entries) qualifications.set(nonNegative(k), text(v));
    for (const [k, v] of map(field(item, 8)).entries) {
      code(k, KINDS);
      text(v);
    }
    return {
      sequence: nonNegative(field(item, 1)),
      issuedAt: nonNegative(field(item, 2)),
      nextUpdate: nonNegative(field(item, 3)),
      rootCertificate: bytes(field(item, 4)),
      authorities,
      signers,
      qualifications,
    };
  } catch (error) {
    if (error instanceof TypeError) throw fail("malformed", error.message);
    throw error;
  }
}

async function issuedBy(cert, issuer, issuerKey) {
  if (!equalBytes(cert.issuerName, issuer.subjectName) || !issuer.isCa) return false;
  if (issuer.keyUsage !== null && !issuer.keyUsage.keyCertSign) return false;
  if (issuer.pathLength === 0 && cert.isCa && !equalBytes(cert.der, issuer.der)) return false;
  if (cert.authorityKeyId !== null && issuer.subjectKeyId !== null && cert.authorityKeyId !== issuer.subjectKeyId) return false;
  if (issuerKey.algorithm !== cert.signatureAlgorithm) return false;
  return issuerKey.verify(cert.tbs, cert.signature);
}

// Verify and read a published trust list against the root certificate the verifier holds.
export async function loadTrustList(signed, rootCertificate) {
  let message;
  let root;
  let rootKey;
  try {
    message = decodeSign1(signed);
    root = parseCertificate(rootCertificate);
    rootKey = await loadVerificationKey(root.spki);
  } catch (error) {
    throw fail("unreadable", error.message);
  }
  if (!rootKey.supported) throw fail("needs_server", "SM2 root");
  if (!(await verifySign1(message, rootKey))) throw fail("bad_signature");
  const trust = readTrustList(message.payload);
  if (!equalBytes(trust.rootCertificate, rootCertificate)) throw fail("other_root");
  for (const signer of trust.signers) {
    let certificate;
    try {
      certificate = parseCertificate(signer.certificate);
      signer.key = await loadVerificationKey(certificate.spki);
    } catch (error) {
      throw fail("bad_signer", error.message);
    }
    if (!(await issuedBy(certificate, root, rootKey))) throw fail("bad_signer");
  }
  trust.signer = (kid) => trust.signers.find((s) => equalBytes(s.kid, kid)) || null;
  trust.authority = (number) => trust.authorities.find((a) => a.number === number) || null;
  return trust;
}

// ---- Status lists (docs/formats/status-list.md) ----
const LIST_BYTES = (STATUS_LIST_SIZE * 2) / 8;
const MESSAGES = ["valid", "suspended", "revoked", "superseded"];

async function inflate(data) {
  // At most one list's worth plus a byte is read: a compression bomb is refused, not expanded.
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  const out = new Uint8Array(LIST_BYTES + 1);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > LIST_BYTES) {
        await reader.cancel();
        throw fail("bad_size");
      }
      out.set(value, length);
      length += value.length;
    }
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw fail("bad_gzip");
  }
  if (length !== LIST_BYTES) throw fail("bad_size");
  return out.subarray(0, LIST_BYTES);
}

export async function statusListFromCbor(data) {
  let item;
  try {
    item = strictLoads(data, 3);
  } catch (error) {
    if (error instanceof CborError) throw fail("not_cbor");
    throw error;
  }
  const keys = item instanceof CborMap ? item.entries.map(([k]) => k) : [];
  if (!(item instanceof CborMap) || keys.length !== 8 || ![0, 1, 2, 3, 4, 5, 6, 7].every((k) => item.has(k))) {
    throw fail("bad_fields");
  }
  const exact = (k, v) => typeof item.get(k) === "number" && item.get(k) === v;
  if (!exact(0, 1) || !exact(2, 2) || !exact(3, STATUS_LIST_SIZE)) throw fail("unsupported");
  const messages = item.get(7);
  if (!Array.isArray(messages) || messages.length !== 4 || messages.some((m, i) => m !== MESSAGES[i])) throw fail("bad_fields");
  const numbers = [item.get(1), item.get(4), item.get(5)];
  if (numbers.some((n) => typeof n !== "number" || !Number.isInteger(n) || n < 0) || !(item.get(6) instanceof Uint8Array)) {
    throw fail("bad_fields");
  }
  const bits = await inflate(item.get(6));
  return { listNumber: numbers[0], issuedAt: numbers[1], nextUpdate: numbers[2], bits };
}

export function statusOf(document, statusIndex) {
  const offset = statusIndex % STATUS_LIST_SIZE;
  const bit = offset * 2;
  return (document.bits[bit >> 3] >> (6 - (bit % 8))) & 3;
}

// Verify a published status list against the trust list and read it (verify.load_status_list).
export async function loadStatusList(signed, trust) {
  let message;
  try {
    message = decodeSign1(signed);
  } catch (error) {
    throw fail("unreadable", error.message);
  }
  const signer = trust.signer(message.kid || new Uint8Array(0));
  if (signer === null || signer.key === null) throw fail("unknown_signer");
  if (!signer.key.supported) throw fail("needs_server");
  if (!(await verifySign1(message, signer.key))) throw fail("bad_signature");
  const document = await statusListFromCbor(message.payload);
  if (signingProblem(signer, document.issuedAt, PURPOSE_STATUS_LISTS, null)) throw fail("signer_not_authorised");
  return document;
}
