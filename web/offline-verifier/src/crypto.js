// Signature checks with the browser's WebCrypto: ECDSA P-256 with SHA-256 and Ed25519. SM2 has no
// WebCrypto algorithm: a key of it loads as "needs the server" and verifies nothing here.
import { EDDSA, ES256, SM2, spkiAlgorithm } from "./x509.js";

export class VerificationKey {
  constructor(algorithm, key) {
    this.algorithm = algorithm;
    this.key = key;
  }

  get supported() {
    return this.key !== null;
  }

  // True if `signature` (raw COSE form: r ‖ s, or the 64 Ed25519 bytes) is valid for `data`.
  async verify(data, signature) {
    if (signature.length !== 64 || this.key === null) return false;
    try {
      if (this.algorithm === ES256) {
        return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, this.key, signature, data);
      }
      return await crypto.subtle.verify({ name: "Ed25519" }, this.key, signature, data);
    } catch {
      return false;
    }
  }
}

export async function loadVerificationKey(spki) {
  const algorithm = spkiAlgorithm(spki);
  if (algorithm === SM2) return new VerificationKey(SM2, null);
  const params = algorithm === ES256 ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const key = await crypto.subtle.importKey("spki", spki, params, false, ["verify"]);
  return new VerificationKey(algorithm === ES256 ? ES256 : EDDSA, key);
}
