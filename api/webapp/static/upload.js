// Uploads with progress (§13.3-13.4, issue 19 item 4): several files in one go, one after the
// other, each with its own row. A file is first checked here against the limits the browser can
// read (type, size, picture size, video length and size), so a file that would fail is refused
// before a byte is sent; then declared, PUT straight to the signed URL, completed, and its status
// fragment polls itself (htmx) until READY or FAILED. A file the library already has (same
// SHA-256) is offered as "already in your library" instead of being uploaded twice. No token is
// handled here: the session cookie authenticates the calls to this site, the signed URL the PUT.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("upload-file");
  var list = document.getElementById("upload-list");
  var limits = {
    accepted: form.dataset.accepted.split(","),
    maxBytes: Number(form.dataset.maxBytes),
    longSide: Number(form.dataset.longSide),
    shortSide: Number(form.dataset.shortSide),
    maxSeconds: Number(form.dataset.maxSeconds),
  };
  var DURATION_ALLOWANCE = 0.1; // as ingestion allows (signage/media/rules.py)

  function messageOf(xhr, fallback) {
    // Errors come back as the app's HTML error page; show its sentence.
    var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var alert = page.querySelector(".alert");
    return alert ? alert.textContent.trim() : fallback + " (" + xhr.status + ")";
  }

  function send(method, url, body, headers, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) xhr.upload.addEventListener("progress", onProgress);
      xhr.onload = function () { (xhr.status < 300 ? resolve : reject)(xhr); };
      xhr.onerror = function () { reject(xhr); };
      xhr.send(body);
    });
  }

  function post(url, fields) {
    var headers = {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-CSRF-Token": form.dataset.csrf,
    };
    return send("POST", url, new URLSearchParams(fields).toString(), headers, null);
  }

  async function sha256(file) {
    var digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return Array.from(new Uint8Array(digest)).map(function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  // -- one row per file -----------------------------------------------------------------------

  function rowFor(file) {
    var row = document.createElement("li");
    row.className = "upload";
    row.dataset.file = file.name;
    var name = document.createElement("strong");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = "Waiting";
    var result = document.createElement("div");
    result.className = "upload-result";
    row.append(name, " ", bar, " ", state, result);
    list.append(row);
    return { row: row, bar: bar, state: state, result: result };
  }

  function failRow(row, message) {
    row.row.dataset.status = "FAILED";
    row.bar.hidden = true;
    row.state.textContent = "";
    var text = document.createElement("span");
    text.className = "status-failed";
    text.textContent = "FAILED: ";
    row.state.append(text, message);
  }

  // -- what the browser can check before sending ----------------------------------------------

  function fitsScreen(width, height) {
    return Math.max(width, height) <= limits.longSide && Math.min(width, height) <= limits.shortSide;
  }

  function tooBig(width, height) {
    return width + "×" + height + " is larger than " + limits.longSide + "×" + limits.shortSide +
      " (either way round); resize it and upload it again.";
  }

  async function imageProblem(file) {
    try {
      var bitmap = await createImageBitmap(file);
      var width = bitmap.width, height = bitmap.height;
      bitmap.close();
      return fitsScreen(width, height) ? null : tooBig(width, height);
    } catch (error) {
      return "this picture cannot be read; it may be damaged.";
    }
  }

  // An MP4's length and picture size are in its header boxes (ISO BMFF: moov/mvhd for the
  // length, each trak's tkhd for the size), which can be read from the bytes whatever codecs
  // this browser plays. A file that cannot be read this way is sent: ingestion checks it all.
  function boxesIn(view, start, end, visit) {
    var at = start;
    while (at + 8 <= end) {
      var size = view.getUint32(at), header = 8;
      var type = String.fromCharCode(view.getUint8(at + 4), view.getUint8(at + 5),
        view.getUint8(at + 6), view.getUint8(at + 7));
      if (size === 1) { size = Number(view.getBigUint64(at + 8)); header = 16; }
      if (size === 0) size = end - at;
      if (size < header || at + size > end) return;
      visit(type, at + header, at + size);
      at += size;
    }
  }

  function mp4Facts(buffer) {
    var view = new DataView(buffer), facts = { seconds: null, width: 0, height: 0 };
    var wide = function (at) { return Number(view.getBigUint64(at)); };
    boxesIn(view, 0, buffer.byteLength, function (type, body, end) {
      if (type !== "moov") return;
      boxesIn(view, body, end, function (type, body, end) {
        var v1 = view.getUint8(body) === 1;
        if (type === "mvhd") {
          var scale = view.getUint32(body + (v1 ? 20 : 12));
          var length = v1 ? wide(body + 24) : view.getUint32(body + 16);
          if (scale) facts.seconds = length / scale;
        }
        if (type !== "trak") return;
        boxesIn(view, body, end, function (type, body) {
          if (type !== "tkhd") return;
          var at = body + (view.getUint8(body) === 1 ? 88 : 76);
          var width = view.getUint32(at) / 65536, height = view.getUint32(at + 4) / 65536;
          if (width * height > facts.width * facts.height) {
            facts.width = Math.round(width);
            facts.height = Math.round(height);
          }
        });
      });
    });
    return facts.seconds === null ? null : facts;
  }

  async function videoFacts(file) {
    try {
      return mp4Facts(await file.arrayBuffer());
    } catch (error) {
      return null;
    }
  }

  async function videoProblem(file) {
    var facts = await videoFacts(file);
    if (!facts) return null;
    if (facts.seconds > limits.maxSeconds + DURATION_ALLOWANCE) {
      return "it plays " + Math.round(facts.seconds) + " s; videos may be at most " +
        limits.maxSeconds + " s. Shorten it and upload it again.";
    }
    if (facts.width && !fitsScreen(facts.width, facts.height)) return tooBig(facts.width, facts.height);
    return null;
  }

  async function problemWith(file) {
    if (limits.accepted.indexOf(file.type) < 0) {
      return "only JPEG, PNG and MP4 files can be shown" + (file.type ? " (this is " + file.type + ")." : ".");
    }
    if (file.size === 0) return "the file is empty.";
    if (file.size > limits.maxBytes) {
      return Math.ceil(file.size / 1048576) + " MB is over the " +
        Math.floor(limits.maxBytes / 1048576) + " MB limit.";
    }
    return file.type.indexOf("image/") === 0 ? imageProblem(file) : videoProblem(file);
  }

  // -- sending ------------------------------------------------------------------------------

  function where() {
    var choice = document.getElementById("upload-where");
    return choice ? choice.value : "venue";
  }

  function offerDuplicate(row, file, declaration, existing) {
    row.row.dataset.status = "DUPLICATE";
    row.bar.hidden = true;
    row.state.textContent = "Already in your library as ";
    var link = document.createElement("a");
    link.href = existing.url;
    link.textContent = existing.displayName;
    var again = document.createElement("button");
    again.type = "button";
    again.textContent = "Upload anyway";
    again.addEventListener("click", function () {
      again.remove();
      row.bar.hidden = false;
      declaration.duplicate_ok = "on";
      transfer(row, file, declaration);
    });
    row.state.append(link, ". ", again);
  }

  function showProgress(row) {
    return function (event) {
      if (!event.lengthComputable) return;
      var done = Math.round((event.loaded / event.total) * 100);
      row.bar.value = done;
      row.state.textContent = "Uploading " + done + " %";
    };
  }

  async function transfer(row, file, declaration) {
    var declared;
    try {
      declared = JSON.parse((await post(form.dataset.declare, declaration)).responseText);
    } catch (xhr) { return failRow(row, messageOf(xhr, "the upload could not start")); }
    if (declared.duplicateOf) return offerDuplicate(row, file, declaration, declared.duplicateOf);
    try {
      await send(declared.uploadMethod, declared.uploadUrl, file, declared.uploadHeaders, showProgress(row));
    } catch (xhr) { return failRow(row, "the file did not reach storage (" + xhr.status + ")."); }
    try {
      var done = await post(form.dataset.declare + "/" + declared.uploadId + "/complete", { where: where() });
      row.bar.value = 100;
      row.state.textContent = "Uploaded 100 %";
      row.result.innerHTML = done.responseText; // the status fragment: polls itself until settled
      window.htmx.process(row.result.firstElementChild);
    } catch (xhr) { return failRow(row, messageOf(xhr, "the upload could not be completed")); }
  }

  async function upload(file) {
    var row = rowFor(file);
    row.state.textContent = "Checking";
    var problem = await problemWith(file);
    if (problem) return failRow(row, problem + " Nothing was sent.");
    var declaration = {
      file_name: file.name,
      content_type: file.type,
      file_size_bytes: String(file.size),
      checksum_sha256: await sha256(file),
      where: where(),
    };
    await transfer(row, file, declaration);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var files = Array.from(input.files);
    if (!files.length) return;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    for (var i = 0; i < files.length; i++) await upload(files[i]);
    // Every file is on its way or answered: the form starts afresh for the next ones, so the
    // files just sent are not offered again.
    form.reset();
    button.disabled = false;
    form.dataset.sent = String(Number(form.dataset.sent || 0) + files.length);
  });
})();
