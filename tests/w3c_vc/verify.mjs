// Checks one application/vc+jwt with panva/jose, independently of ecert's Python code.
// Input (stdin, JSON): {"token": "...", "spki_pem": "-----BEGIN PUBLIC KEY-----..."}
// Output (stdout, JSON): {"ok": true, "header": {...}, "payload": {...}} or {"ok": false, "error": "..."}
import { importSPKI, jwtVerify, decodeProtectedHeader } from "jose";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { token, spki_pem: spkiPem } = JSON.parse(input);

try {
  const { alg } = decodeProtectedHeader(token);
  const key = await importSPKI(spkiPem, alg);
  const { payload, protectedHeader } = await jwtVerify(token, key, {
    typ: "vc+jwt",
    algorithms: ["ES256", "EdDSA"],
  });
  process.stdout.write(JSON.stringify({ ok: true, header: protectedHeader, payload }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: `${error.code ?? ""} ${error.message}` }));
}
