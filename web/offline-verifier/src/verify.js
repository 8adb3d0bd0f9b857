// The verifier, check for check as src/ecert/core/formats/verify.py: integrity, signer, status,
// validity, holder, each with an outcome and a reason code, and one verdict drawn from them.
import { FormatError, claimsFromCbor, decodeSign1, parseQrText, signingProblem, statusOf, verifySign1, PURPOSE_CREDENTIALS, STATUS_LIST_SIZE } from "./formats.js";

export const CHECKS = ["integrity", "signer", "status", "validity", "holder"];
const STATUS_NAMES = ["valid", "suspended", "revoked", "superseded"];
const CHINA_OFFSET_SECONDS = 8 * 3600;

const check = (name, outcome, reason) => ({ name, outcome, reason });

function result(found, ...checks) {
  const named = new Map(checks.map((c) => [c.name, c]));
  return { checks: CHECKS.map((name) => named.get(name) || check(name, "unknown", "not_checked")), ...found };
}

export function verdictOf(checks) {
  const outcome = Object.fromEntries(checks.map((c) => [c.name, c]));
  if (outcome.integrity.outcome === "fail") return "not_genuine";
  // SM2 has no WebCrypto algorithm: the page says the server must check it (never "untrusted").
  if (outcome.integrity.reason === "needs_server") return "needs_server";
  if (outcome.signer.outcome !== "pass") return "untrusted";
  if (outcome.status.outcome === "fail") return outcome.status.reason;
  if (outcome.validity.outcome === "fail") return outcome.validity.reason;
  if (outcome.holder.outcome === "fail") return "holder_mismatch";
  if (outcome.status.outcome === "unknown") return "valid_status_unknown";
  return "valid";
}

function withVerdict(r) {
  r.verdict = verdictOf(r.checks);
  return r;
}

export async function verifyQrText(text, options) {
  let signed;
  try {
    ({ signed } = parseQrText(text));
  } catch (error) {
    if (error instanceof FormatError) return withVerdict(result({}, check("integrity", "fail", `malformed_${error.code}`)));
    throw error;
  }
  return verifyCredential(signed, options);
}

// `trust` from loadTrustList, `statusLists` a Map of list number to loadStatusList's document,
// `now` in seconds since the epoch.
export async function verifyCredential(signed, { trust, statusLists, now }) {
  let message;
  let claims;
  try {
    message = decodeSign1(signed);
    claims = claimsFromCbor(message.payload);
  } catch (error) {
    if (error instanceof FormatError) return withVerdict(result({}, check("integrity", "fail", `malformed_${error.code}`)));
    throw error;
  }
  const signer = trust.signer(message.kid || new Uint8Array(0));
  if (signer === null || signer.key === null) {
    return withVerdict(result({ claims }, check("integrity", "unknown", "unknown_key"), check("signer", "fail", "unknown_signer")));
  }
  if (!signer.key.supported) {
    return withVerdict(result({ claims, signer }, check("integrity", "unknown", "needs_server")));
  }
  if (!(await verifySign1(message, signer.key))) {
    return withVerdict(result({ signer }, check("integrity", "fail", "bad_signature")));
  }
  const document = statusLists.get(Math.floor(claims.status_index / STATUS_LIST_SIZE)) || null;
  return withVerdict(
    result(
      { claims, signer, authority: trust.authority(signer.authority), status: document ? STATUS_NAMES[statusOf(document, claims.status_index)] : null, statusList: document },
      check("integrity", "pass", "ok"),
      signerCheck(claims, signer),
      statusCheck(document, claims, now),
      validityCheck(claims, now),
      check("holder", "skipped", "not_asked"),
    ),
  );
}

function signerCheck(claims, signer) {
  if (claims.issuer !== signer.authority) return check("signer", "fail", "issuer_mismatch");
  const problem = signingProblem(signer, claims.signed_at, PURPOSE_CREDENTIALS, claims.kind);
  return problem ? check("signer", "fail", problem) : check("signer", "pass", "ok");
}

function statusCheck(document, claims, now) {
  if (document === null) return check("status", "unknown", "no_status_list");
  const value = statusOf(document, claims.status_index);
  if (value !== 0) return check("status", "fail", STATUS_NAMES[value]);
  if (now > document.nextUpdate) return check("status", "unknown", "status_list_expired");
  return check("status", "pass", "ok");
}

// Today's date in China (UTC+8) as YYYYMMDD.
export function chinaToday(now) {
  const day = new Date((Math.floor(now) + CHINA_OFFSET_SECONDS) * 1000);
  return day.getUTCFullYear() * 10000 + (day.getUTCMonth() + 1) * 100 + day.getUTCDate();
}

function validityCheck(claims, now) {
  const today = chinaToday(now);
  if (claims.issue_date > today) return check("validity", "fail", "not_yet_valid");
  if (claims.valid_until !== undefined && claims.valid_until < today) return check("validity", "fail", "expired");
  return check("validity", "pass", "ok");
}
