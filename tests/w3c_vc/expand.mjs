// Expands one W3C VC with jsonld.js in safe mode (an undefined or dropped term is an error), with
// contexts only from this machine: the W3C ones from @digitalbazaar/credentials-context (as
// package-lock.json pins them) and ecert's own given on stdin. Nothing is fetched.
// Input (stdin, JSON): {"document": {...}, "context_url": "...", "context": {...}}
// Output (stdout, JSON): {"ok": true, "expanded": [...]} or {"ok": false, "error": "..."}
import jsonld from "jsonld";
import { contexts } from "@digitalbazaar/credentials-context";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { document, context_url: ourUrl, context: ours } = JSON.parse(input);

const documentLoader = async (url) => {
  if (url === ourUrl) return { contextUrl: null, documentUrl: url, document: ours };
  if (contexts.has(url)) return { contextUrl: null, documentUrl: url, document: contexts.get(url) };
  throw new Error(`no local copy of ${url}`);
};

try {
  const expanded = await jsonld.expand(document, { documentLoader, safe: true });
  process.stdout.write(JSON.stringify({ ok: true, expanded }));
} catch (error) {
  const details = error.details ? JSON.stringify(error.details).slice(0, 400) : "";
  process.stdout.write(JSON.stringify({ ok: false, error: `${error.message} ${details}` }));
}
