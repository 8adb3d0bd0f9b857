/*
 * Collection at the counter (docs/distribution.md, "Collection at the counter"): the ID-card
 * reader interface, the document camera (高拍仪) and the signature pad of the collect page.
 *
 * The reader interface. A card reader's driver or local bridge, running in the page, hands the
 * card over in one of two ways:
 *
 *   window.ecertIdCard.put({name, idNumber, idType, photo, sex, nation, birth, address,
 *                           authority, validFrom, validTo})
 *   document.dispatchEvent(new CustomEvent("ecert:idcard", {detail: {...the same...}}))
 *
 * name and idNumber are required; photo is the card's picture as base64 JPEG or PNG (a data: URL
 * is accepted too); idType is one of ecert's ID types (default "resident_id"); the other fields
 * are kept as read (validTo as YYYYMMDD or YYYY-MM-DD, or 长期). put() returns true when the form
 * took the card, false otherwise (a card given before the page is ready is kept until it is;
 * window.ecertIdCard.ready turns true then). window.ecertIdCard.clear() empties what the reader
 * filled in.
 * Typing in the name or the ID number afterwards turns the record to "typed".
 */
(function () {
  "use strict";

  var form = null;
  var pending = null; // a card that arrived before the page was ready

  function field(name) {
    return form ? form.querySelector("[name=" + name + "]") : null;
  }

  function show(selector, visible) {
    if (!form) return;
    form.querySelectorAll(selector).forEach(function (node) { node.hidden = !visible; });
  }

  function setSource(source) {
    field("id_source").value = source;
    show("[data-source-reader]", source === "reader");
    show("[data-source-typed]", source !== "reader");
    if (source !== "reader") {
      field("id_card_photo").value = "";
      field("id_card_data").value = "";
      show("[data-card-photo]", false);
    }
  }

  function bare(photo) {
    var text = String(photo || "");
    var comma = text.indexOf(",");
    return text.indexOf("data:") === 0 && comma > 0 ? text.slice(comma + 1) : text;
  }

  function put(card) {
    if (!card || typeof card !== "object" || !card.name || !card.idNumber) return false;
    if (!form) { pending = card; return true; }
    field("collector_name").value = String(card.name).trim();
    field("collector_id_number").value = String(card.idNumber).trim();
    var type = field("collector_id_type");
    type.value = card.idType || "resident_id";
    if (!type.value) type.value = "resident_id";
    var rest = {};
    Object.keys(card).forEach(function (key) {
      if (["name", "idNumber", "idType", "photo"].indexOf(key) < 0 && card[key] != null) {
        rest[key] = String(card[key]);
      }
    });
    setSource("reader");
    field("id_card_data").value = JSON.stringify(rest);
    var photo = bare(card.photo);
    field("id_card_photo").value = photo;
    showPhoto(photo);
    return true;
  }

  function showPhoto(photo) {
    var img = form.querySelector("[data-card-photo]");
    if (!photo) { img.hidden = true; return; }
    img.src = "data:" + (photo.indexOf("iVBOR") === 0 ? "image/png" : "image/jpeg") + ";base64," + photo;
    img.hidden = false;
  }

  function clear() {
    if (!form) { pending = null; return; }
    field("collector_name").value = "";
    field("collector_id_number").value = "";
    setSource("typed");
  }

  window.ecertIdCard = { put: put, clear: clear, ready: false };
  document.addEventListener("ecert:idcard", function (event) { put(event.detail); });

  // ── Files put into file inputs, so that the form posts them as uploads ──────────────────────

  function setFile(input, blob, name) {
    var transfer = new DataTransfer();
    if (blob) transfer.items.add(new File([blob], name, { type: blob.type }));
    input.files = transfer.files;
  }

  // ── The document camera ────────────────────────────────────────────────────────────────────

  function camera() {
    var list = form.querySelector("[data-camera-list]");
    var open = form.querySelector("[data-camera-open]");
    var take = form.querySelector("[data-camera-take]");
    var video = form.querySelector("[data-camera-video]");
    var preview = form.querySelector("[data-camera-preview]");
    var input = field("camera_image");
    var stream = null;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      list.hidden = open.hidden = true; // only the upload is left
      return;
    }
    function listCameras() {
      return navigator.mediaDevices.enumerateDevices().then(function (devices) {
        var chosen = list.value;
        list.innerHTML = "";
        devices.filter(function (d) { return d.kind === "videoinput"; }).forEach(function (d, i) {
          var option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || ("#" + (i + 1));
          list.appendChild(option);
        });
        if (chosen) list.value = chosen;
        list.hidden = list.options.length < 2;
      });
    }
    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    open.addEventListener("click", function () {
      stop();
      var video_ = list.value ? { deviceId: { exact: list.value } } : true;
      navigator.mediaDevices.getUserMedia({ video: video_, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        take.hidden = false;
        listCameras();
      }).catch(function () {
        open.disabled = true; // no camera, or not allowed: the upload remains
      });
    });
    take.addEventListener("click", function () {
      if (!stream || !video.videoWidth) return;
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        setFile(input, blob, "camera.jpg");
        preview.src = URL.createObjectURL(blob);
        preview.hidden = false;
        video.hidden = true;
        take.hidden = true;
        stop();
      }, "image/jpeg", 0.9);
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (file) { preview.src = URL.createObjectURL(file); preview.hidden = false; }
    });
    listCameras();
  }

  // ── The signature pad ──────────────────────────────────────────────────────────────────────

  function signaturePad() {
    var canvas = form.querySelector("[data-signature-pad]");
    var context = canvas.getContext("2d");
    var strokesField = field("signature_strokes");
    var input = field("signature");
    var strokes = [];
    var current = null;
    var started = null;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      var x = (event.clientX - box.left) * (canvas.width / box.width);
      var y = (event.clientY - box.top) * (canvas.height / box.height);
      if (started === null) started = event.timeStamp;
      var pressure = event.pressure || 0.5; // a mouse or a pen without pressure reports 0 or 0.5
      return {
        x: Math.round(x * 100) / 100,
        y: Math.round(y * 100) / 100,
        t: Math.round(event.timeStamp - started),
        p: Math.round(Math.min(Math.max(pressure, 0), 1) * 1000) / 1000,
      };
    }
    function line(from, to) {
      context.lineWidth = 1.5 + 3 * to.p;
      context.lineCap = context.lineJoin = "round";
      context.strokeStyle = "#111";
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }
    function redraw() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      strokes.forEach(function (stroke) {
        for (var i = 1; i < stroke.length; i++) line(stroke[i - 1], stroke[i]);
      });
    }
    function store() {
      strokesField.value = strokes.length ? JSON.stringify(strokes) : "";
      if (!strokes.length) { setFile(input, null, ""); return; }
      canvas.toBlob(function (blob) { setFile(input, blob, "signature.png"); }, "image/png");
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) return;
      var next = point(event);
      line(current[current.length - 1], next);
      current.push(next);
    });
    function end() {
      if (!current) return;
      current = null;
      store();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      strokes = [];
      started = null;
      redraw();
      store();
    });
    // After a refused submission the strokes come back: draw them and make the picture again.
    if (strokesField.value) {
      try { strokes = JSON.parse(strokesField.value); } catch (e) { strokes = []; }
      if (!Array.isArray(strokes)) strokes = [];
      redraw();
      store();
    }
  }

  // ── Proxy, typed entry, start ──────────────────────────────────────────────────────────────

  function start() {
    form = document.getElementById("collect-form");
    if (!form) return;
    var proxy = field("by_proxy");
    function proxyShown() {
      show("[data-proxy-only]", proxy.checked);
      show("[data-proxy-hint]", proxy.checked);
    }
    proxy.addEventListener("change", proxyShown);
    proxyShown();
    ["collector_name", "collector_id_number", "collector_id_type"].forEach(function (name) {
      field(name).addEventListener("input", function () { setSource("typed"); });
    });
    setSource(field("id_source").value === "reader" ? "reader" : "typed");
    showPhoto(field("id_card_photo").value);
    camera();
    signaturePad();
    if (pending) { put(pending); pending = null; }
    window.ecertIdCard.ready = true;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
