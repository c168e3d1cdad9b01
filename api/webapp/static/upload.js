// Upload with progress (§13.3-13.4): declare, PUT straight to the signed URL, complete, then
// the returned status fragment polls itself (htmx) until READY or FAILED. No token is ever
// handled here: the session cookie authenticates the two calls to this site, the signed URL
// the PUT to storage.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var bar = document.getElementById("upload-bar");
  var percent = document.getElementById("upload-percent");
  var progress = document.getElementById("upload-progress");
  var failure = document.getElementById("upload-error");
  var retry = document.getElementById("upload-retry");

  function fail(message) {
    progress.hidden = true;
    failure.textContent = message;
    failure.hidden = false;
    retry.hidden = false; // "Try again" starts a new upload (§13.4)
  }

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

  function showProgress(event) {
    if (!event.lengthComputable) return;
    var done = Math.round((event.loaded / event.total) * 100);
    bar.value = done;
    percent.textContent = done + " %";
  }

  async function upload(file) {
    var declared;
    try {
      declared = JSON.parse((await post(form.dataset.declare, {
        file_name: file.name,
        content_type: file.type,
        file_size_bytes: String(file.size),
        checksum_sha256: await sha256(file),
      })).responseText);
    } catch (xhr) { return fail(messageOf(xhr, "The upload could not start")); }
    progress.hidden = false;
    try {
      await send(declared.uploadMethod, declared.uploadUrl, file, declared.uploadHeaders, showProgress);
    } catch (xhr) { return fail("The file did not reach storage (" + xhr.status + ")."); }
    try {
      var done = await post(form.dataset.declare + "/" + declared.uploadId + "/complete", {});
      progress.hidden = true;
      var status = document.getElementById("asset-status");
      status.outerHTML = done.responseText;
      window.htmx.process(document.getElementById("asset-status"));
    } catch (xhr) { return fail(messageOf(xhr, "The upload could not be completed")); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = document.getElementById("upload-file").files[0];
    if (!file) return;
    form.hidden = true;
    failure.hidden = true;
    upload(file);
  });
})();
