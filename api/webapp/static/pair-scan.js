// Pairing by camera (§8): where the browser reads QR codes itself (BarcodeDetector, e.g. Chrome
// on Android), "Scan the QR code" opens the rear camera, reads the code the screen shows and
// fills it in. Elsewhere the button stays hidden and typing the code works as before.
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var input = document.getElementById("code");
  var media = navigator.mediaDevices;
  if (!button || !input || !("BarcodeDetector" in window) || !media || !media.getUserMedia) return;
  var scanner = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var stopButton = document.getElementById("scan-stop");
  var message = document.getElementById("scan-message");
  var SCAN_EVERY_MS = 250;
  var detector = null;
  var stream = null;
  var timer = null;

  // The player's QR holds {base}/app/pair?code=ABCD-1234&hw=...; a bare code is taken as well.
  function pairingCode(text) {
    var code = text.trim();
    try {
      code = new URL(code).searchParams.get("code") || "";
    } catch (notUrl) { /* the raw text is the code itself */ }
    code = code.trim().toUpperCase();
    return /^[A-Z0-9 -]{4,16}$/.test(code) ? code : null;
  }

  function say(text) { message.textContent = text; }

  function stop() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    scanner.hidden = true;
    button.hidden = false;
  }

  function found(code) {
    stop();
    input.value = code;
    say("Read " + code + " from the screen. Give the screen a name and press Pair.");
    var name = document.getElementById("name");
    (name || input).focus();
  }

  function look() {
    detector.detect(video).then(function (codes) {
      for (var i = 0; i < codes.length; i++) {
        var code = pairingCode(codes[i].rawValue || "");
        if (code) return found(code);
      }
      if (codes.length) say("That QR code is not a screen's pairing code. Keep looking.");
      if (stream) timer = setTimeout(look, SCAN_EVERY_MS);
    }, function () {
      if (stream) timer = setTimeout(look, SCAN_EVERY_MS); // a frame not ready yet
    });
  }

  function start() {
    say("Point the camera at the QR code on the screen.");
    media.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        scanner.hidden = false;
        button.hidden = true;
        return video.play();
      })
      .then(look)
      .catch(function () {
        stop();
        say("The camera could not be opened. Type the code the screen shows instead.");
      });
  }

  BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    detector = new BarcodeDetector({ formats: ["qr_code"] });
    button.hidden = false;
    button.addEventListener("click", start);
    stopButton.addEventListener("click", function () { stop(); say(""); });
    window.addEventListener("pagehide", stop); // never leave the camera on
  });
})();
