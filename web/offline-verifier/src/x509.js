// The few parts of an X.509 certificate the trust list check needs (src/ecert/core/formats/x509.py):
// names as DER, the public key, basic constraints, key usage, key identifiers, the signature.
import { toHex } from "./cbor.js";

export class DerError extends Error {}

export const ES256 = -7;
export const EDDSA = -8;
export const SM2 = -65537;

const OID = {
  ecdsaSha256: "2a8648ce3d040302",
  ed25519: "2b6570",
  sm2WithSm3: "2a811ccf55018375",
  ecPublicKey: "2a8648ce3d0201",
  p256: "2a8648ce3d030107",
  sm2Curve: "2a811ccf5501822d",
  basicConstraints: "551d13",
  keyUsage: "551d0f",
  subjectKeyId: "551d0e",
  authorityKeyId: "551d23",
};

function readTlv(data, pos) {
  if (pos + 2 > data.length) throw new DerError("truncated");
  const tag = data[pos];
  let length = data[pos + 1];
  let start = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > data.length) throw new DerError("bad length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + data[start + i];
    start += n;
  }
  const end = start + length;
  if (end > data.length) throw new DerError("truncated");
  return { tag, start, end, raw: data.subarray(pos, end), value: data.subarray(start, end) };
}

function children(data, tlv) {
  const out = [];
  let pos = tlv.start;
  while (pos < tlv.end) {
    const child = readTlv(data, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

function expect(tlv, tag) {
  if (tlv.tag !== tag) throw new DerError(`expected tag ${tag}, found ${tlv.tag}`);
  return tlv;
}

export function spkiAlgorithm(spki) {
  const top = expect(readTlv(spki, 0), 0x30);
  const [algorithm] = children(spki, top);
  const [oid, parameters] = children(spki, expect(algorithm, 0x30));
  const id = toHex(expect(oid, 0x06).value);
  if (id === OID.ed25519) return EDDSA;
  if (id === OID.ecPublicKey && parameters && parameters.tag === 0x06) {
    const curve = toHex(parameters.value);
    if (curve === OID.p256) return ES256;
    if (curve === OID.sm2Curve) return SM2;
  }
  throw new DerError("unsupported public key");
}

function signatureAlgorithm(oidHex) {
  if (oidHex === OID.ecdsaSha256) return ES256;
  if (oidHex === OID.ed25519) return EDDSA;
  if (oidHex === OID.sm2WithSm3) return SM2;
  throw new DerError("unsupported signature algorithm");
}

function integerBytes(value) {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return value.subarray(start);
}

function rawSignature(algorithm, bitString) {
  if (bitString[0] !== 0) throw new DerError("bad signature bits");
  const bits = bitString.subarray(1);
  if (algorithm === EDDSA) return bits;
  const seq = expect(readTlv(bits, 0), 0x30);
  const [r, s] = children(bits, seq);
  const out = new Uint8Array(64);
  const rb = integerBytes(expect(r, 0x02).value);
  const sb = integerBytes(expect(s, 0x02).value);
  if (rb.length > 32 || sb.length > 32) throw new DerError("bad signature value");
  out.set(rb, 32 - rb.length);
  out.set(sb, 64 - sb.length);
  return out;
}

export function parseCertificate(der) {
  const top = expect(readTlv(der, 0), 0x30);
  if (top.end !== der.length) throw new DerError("bytes after the certificate");
  const [tbs, sigAlg, sigValue] = children(der, top);
  const fields = children(der, expect(tbs, 0x30));
  let i = 0;
  if (fields[0].tag === 0xa0) i++;
  const issuer = fields[i + 2];
  const subject = fields[i + 4];
  const spki = fields[i + 5];
  const cert = {
    der,
    tbs: tbs.raw,
    issuerName: expect(issuer, 0x30).raw,
    subjectName: expect(subject, 0x30).raw,
    spki: expect(spki, 0x30).raw,
    isCa: false,
    pathLength: null,
    keyUsage: null,
    subjectKeyId: null,
    authorityKeyId: null,
  };
  const [oid] = children(der, expect(sigAlg, 0x30));
  cert.signatureAlgorithm = signatureAlgorithm(toHex(expect(oid, 0x06).value));
  cert.signature = rawSignature(cert.signatureAlgorithm, expect(sigValue, 0x03).value);
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions) {
    const list = expect(children(der, extensions)[0], 0x30);
    for (const ext of children(der, list)) {
      const parts = children(der, expect(ext, 0x30));
      const id = toHex(expect(parts[0], 0x06).value);
      const octets = expect(parts[parts.length - 1], 0x04).value;
      const inner = readTlv(octets, 0);
      if (id === OID.basicConstraints) {
        for (const part of children(octets, expect(inner, 0x30))) {
          if (part.tag === 0x01) cert.isCa = part.value[0] !== 0;
          if (part.tag === 0x02) cert.pathLength = Number(toHex(part.value) ? parseInt(toHex(part.value), 16) : 0);
        }
      } else if (id === OID.keyUsage) {
        const bits = expect(inner, 0x03).value;
        cert.keyUsage = { keyCertSign: bits.length > 1 && (bits[1] & 0x04) !== 0 };
      } else if (id === OID.subjectKeyId) {
        cert.subjectKeyId = toHex(expect(inner, 0x04).value);
      } else if (id === OID.authorityKeyId) {
        for (const part of children(octets, expect(inner, 0x30))) {
          if (part.tag === 0x80) cert.authorityKeyId = toHex(part.value);
        }
      }
    }
  }
  return cert;
}
