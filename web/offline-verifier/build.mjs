// Bundle the offline verifier into the one static file the project serves (and commits):
//   npm ci && npm run build                  -> src/ecert/public/static/ecert/offline/verifier.js
//   node build.mjs /tmp/verifier.js          -> the same bytes elsewhere (the test compares them)
import { build } from "esbuild";

const outfile = process.argv[2] || "../../src/ecert/public/static/ecert/offline/verifier.js";
await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  format: "iife",
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  minify: true,
  outfile,
  logLevel: "warning",
});
