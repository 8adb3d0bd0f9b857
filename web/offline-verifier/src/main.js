// The page /verify/offline/: keep the root certificate, trust list and status lists (through the
// service worker's cache), read a QR code from the camera or a picture, verify it here and show the
// verdict and the checks with the server's own Chinese words (given by the page, see offline.html).
import jsQR from "jsqr";
import { fromHex } from "./cbor.js";
import { loadStatusList, loadTrustList } from "./formats.js";
import { chinaToday, verifyCredential, verifyQrText } from "./verify.js";

const config = JSON.parse(document.getElementById("ecert-offline").textContent);
const T = config.texts;
const $ = (id) => document.getElementById(id);
const nowSeconds = () => Date.now() / 1000;
let store = null; // { trust, statusLists, fetchedAt, problems }

async function fetchBytes(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const fetched = response.headers.get("X-Ecert-Fetched-At");
  return { bytes: new Uint8Array(await response.arrayBuffer()), fetchedAt: fetched ? Number(fetched) : nowSeconds() };
}

// Load (and check) what the verifier relies on. Online the service worker fetches fresh copies and
// keeps them; offline it answers from what it kept on the last visit.
export async function loadFiles() {
  const root = await fetchBytes(config.files.root);
  const signedTrust = await fetchBytes(config.files.trust);
  const trust = await loadTrustList(signedTrust.bytes, root.bytes);
  const statusLists = new Map();
  const problems = [];
  for (const url of config.files.status) {
    try {
      const signed = await fetchBytes(url);
      const document = await loadStatusList(signed.bytes, trust);
      statusLists.set(document.listNumber, document);
    } catch (error) {
      problems.push({ url, code: error.code || "unreadable" });
    }
  }
  return { trust, statusLists, fetchedAt: Math.min(root.fetchedAt, signedTrust.fetchedAt), problems };
}

function when(seconds) {
  const day = new Date((seconds + 8 * 3600) * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())} ${pad(day.getUTCHours())}:${pad(day.getUTCMinutes())}`;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
}

function showFiles() {
  const box = $("files");
  box.replaceChildren();
  const add = (text, stale) => {
    const li = document.createElement("li");
    li.textContent = text;
    if (stale) li.className = "stale";
    box.append(li);
  };
  if (store === null) return;
  const now = nowSeconds();
  const { trust, statusLists, fetchedAt } = store;
  add(fill(T.fetched, { at: when(fetchedAt) }), false);
  const trustStale = now > trust.nextUpdate;
  add(fill(trustStale ? T.trust_stale : T.trust, { n: trust.sequence, at: when(trust.issuedAt), next: when(trust.nextUpdate) }), trustStale);
  for (const document of [...statusLists.values()].sort((a, b) => a.listNumber - b.listNumber)) {
    const stale = now > document.nextUpdate;
    add(fill(stale ? T.status_stale : T.status, { n: document.listNumber, at: when(document.issuedAt), next: when(document.nextUpdate) }), stale);
  }
  for (const problem of store.problems) add(fill(T.status_refused, { url: problem.url.split("/").filter(Boolean).pop() }), true);
  $("files-panel").dataset.state = "ready";
  $("files-panel").dataset.fetchedAt = String(fetchedAt);
}

function maskName(name) {
  const chars = [...name];
  return chars.length <= 1 ? name : chars[0] + "*".repeat(chars.length - 1);
}

function maskIdNumber(value) {
  const n = value.length;
  if (n <= 2) return "*".repeat(n);
  const keep = n > 8 ? Math.min(4, Math.floor(n / 4)) : 1;
  return value.slice(0, keep) + "*".repeat(n - 2 * keep) + value.slice(n - keep);
}

const date = (n) => `${Math.floor(n / 10000)}-${String(Math.floor(n / 100) % 100).padStart(2, "0")}-${String(n % 100).padStart(2, "0")}`;

function checkText(c) {
  const reason = c.reason.startsWith("malformed_") ? "malformed" : c.reason;
  return T.checks[`${c.name}:${reason}`] || T.not_checked;
}

export function render(result) {
  const section = $("result");
  section.hidden = false;
  const verdict = $("verdict");
  verdict.className = `verdict ${result.verdict}`;
  verdict.dataset.verdict = result.verdict;
  const genuine = !["not_genuine", "untrusted", "needs_server"].includes(result.verdict);
  const marks = { valid: "✓", needs_server: "?" };
  $("mark").textContent = marks[result.verdict] || (genuine ? "!" : "✗");
  $("verdict-text").textContent = T.verdicts[result.verdict];
  $("verdict-note").textContent = T.notes[result.verdict] || "";
  const facts = $("facts");
  facts.replaceChildren();
  const claims = result.claims;
  if (claims && genuine) {
    const trust = store.trust;
    const what = claims.qualification !== undefined ? trust.qualifications.get(claims.qualification) || String(claims.qualification) : [claims.series, claims.title].filter(Boolean).join(" ");
    const rows = [
      [T.facts.holder, maskName(claims.holder_name), "holder"],
      [T.facts.id_number, maskIdNumber(claims.id_number), "id-number"],
      [T.facts.kind, T.kinds[claims.kind], "kind"],
      [claims.kind === 4 ? T.facts.title : T.facts.qualification, what, "qualification"],
      [T.facts.level, claims.level],
      [T.facts.specialty, claims.specialty],
      [T.facts.number, claims.number + (claims.grassroots ? T.grassroots : ""), "number"],
      [T.facts.approval_date, date(claims.approval_date)],
      [T.facts.issue_date, date(claims.issue_date)],
      [T.facts.purpose, claims.purpose],
      [T.facts.valid_until, claims.valid_until !== undefined ? date(claims.valid_until) : undefined, "valid-until"],
      [T.facts.issuer, result.authority ? result.authority.name : ""],
    ];
    for (const [label, value, testid] of rows) {
      if (!value) continue;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      if (testid) dd.dataset.testid = testid;
      facts.append(dt, dd);
    }
  }
  facts.hidden = !facts.children.length;
  const list = $("checks");
  list.replaceChildren();
  for (const c of result.checks) {
    const li = document.createElement("li");
    li.className = `check ${c.outcome}`;
    li.dataset.check = c.name;
    li.dataset.reason = c.reason;
    const mark = document.createElement("span");
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = c.outcome === "pass" ? "✓" : c.outcome === "fail" ? "✗" : "–";
    li.append(mark, " ", checkText(c));
    list.append(li);
  }
  section.scrollIntoView({ block: "start" });
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

async function verifyText(text) {
  if (store === null) {
    showMessage(T.no_files);
    return;
  }
  showMessage("");
  render(await verifyQrText(text, { trust: store.trust, statusLists: store.statusLists, now: nowSeconds() }));
}

function decodeImageData(image) {
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

async function readPicture(file) {
  const bitmap = await createImageBitmap(file);
  // Large photos are scaled down: jsQR needs a few pixels per module, not a 12-megapixel frame.
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return decodeImageData(context.getImageData(0, 0, canvas.width, canvas.height));
}

let stream = null;

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  $("camera").hidden = true;
  $("scan").hidden = false;
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMessage(T.no_camera);
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    showMessage(T.no_camera);
    return;
  }
  showMessage("");
  const video = $("video");
  video.srcObject = stream;
  await video.play();
  $("camera").hidden = false;
  $("scan").hidden = true;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = () => {
    if (stream === null) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const text = decodeImageData(context.getImageData(0, 0, canvas.width, canvas.height));
      if (text) {
        stopCamera();
        verifyText(text);
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function start() {
  $("scan").addEventListener("click", startCamera);
  $("stop").addEventListener("click", stopCamera);
  $("picture").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    let text = null;
    try {
      text = await readPicture(file);
    } catch {
      text = null;
    }
    if (text === null) showMessage(T.no_code);
    else await verifyText(text);
  });
  if ("serviceWorker" in navigator) {
    try {
      await navigator.serviceWorker.register(config.worker, { scope: config.scope });
    } catch {
      // Without a service worker the page still verifies while it stays open.
    }
  }
  try {
    store = await loadFiles();
    showFiles();
  } catch (error) {
    $("files-panel").dataset.state = "missing";
    showMessage(error.code === "needs_server" ? T.root_needs_server : T.no_files);
  }
  document.body.dataset.ready = "true";
}

// For the tests that run docs/formats/vectors through this verifier (tests/public/).
window.ecertOffline = {
  async verifyVector(vector) {
    const trust = await loadTrustList(fromHex(vector.trust_list_hex), fromHex(vector.root_certificate_hex));
    const statusLists = new Map();
    for (const hex of vector.status_lists_hex) {
      try {
        const document = await loadStatusList(fromHex(hex), trust);
        statusLists.set(document.listNumber, document);
      } catch {
        // A list that is refused is a list the verifier does not have.
      }
    }
    const options = { trust, statusLists, now: vector.now };
    const result = vector.qr_text !== undefined ? await verifyQrText(vector.qr_text, options) : await verifyCredential(fromHex(vector.cose_sign1_hex), options);
    return { verdict: result.verdict, checks: result.checks };
  },
  // The code with which the trust list of a docs/formats/vectors case is refused ("" if it is not).
  async trustListRefusal(vector) {
    try {
      await loadTrustList(fromHex(vector.trust_list_hex), fromHex(vector.root_certificate_hex));
      return "";
    } catch (error) {
      return error.code || String(error);
    }
  },
  chinaToday,
};

start();
