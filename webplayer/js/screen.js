// What is on the glass: two stacked media layers (the next item loads, decoded, into the hidden
// one; it is shown only once it has a frame, so a transition never passes through black) and
// the player's own slides (pairing, connecting, error) above them.
import qrcode from "../vendor/qrcode.mjs";

function once(target, ok, fail, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(reject, new Error(`timed out waiting for ${ok}`)), timeoutMs);
    const onOk = () => done(resolve);
    const onFail = () => done(reject, new Error(`media error ${target.error?.code ?? ""}`.trim()));
    function done(settle, value) {
      clearTimeout(timer);
      target.removeEventListener(ok, onOk);
      target.removeEventListener(fail, onFail);
      settle(value);
    }
    target.addEventListener(ok, onOk);
    target.addEventListener(fail, onFail);
  });
}

class Layer {
  constructor(root) {
    this.root = root;
    this.img = root.querySelector("img");
    this.video = root.querySelector("video");
    this.assetId = null;
    this.type = null;
    this.url = null;
  }

  /** Load and decode `url` so the first frame is ready before the layer is shown. */
  async load(item, url) {
    this.assetId = null;
    this.url = url;
    if (item.type === "IMAGE") {
      this.video.removeAttribute("src");
      this.video.load();
      this.img.src = url;
      await this.img.decode();
    } else {
      this.img.removeAttribute("src");
      this.video.src = url;
      this.video.currentTime = 0;
      await once(this.video, "loadeddata", "error", 15_000);
    }
    this.type = item.type;
    this.img.hidden = item.type !== "IMAGE";
    this.video.hidden = item.type !== "VIDEO";
    this.assetId = item.assetId;
  }

  async startVideo() {
    try {
      this.video.muted = false;
      await this.video.play();
    } catch (error) {
      if (error.name !== "NotAllowedError") throw error;
      // The browser refuses autoplay with sound until a key is pressed: play muted (docs/webplayer.md).
      this.video.muted = true;
      await this.video.play();
    }
  }
}

export class Screen {
  constructor(root) {
    this.layers = [...root.querySelectorAll(".layer")].map((el) => new Layer(el));
    this.front = 0; // the layer on top
    this.slide = root.querySelector("#slide");
    this.kind = "CONNECTING"; // what the viewer sees: CONTENT, PAIRING, CONNECTING, ERROR, BLANK
    this.pairing = false; // while the pairing slide is up no late item may cover it
    this.gapsMs = []; // from one item's end to the next one's first frame, per transition
    this.endedAt = null;
  }

  get visible() {
    return this.layers[this.front];
  }

  get back() {
    return this.layers[1 - this.front];
  }

  hasFrame() {
    return this.visible.assetId !== null;
  }

  /** Load `item` into the hidden layer ahead of time (preloading the next item). */
  async prepare(item, url) {
    if (this.back.assetId === item.assetId && this.back.url === url) return;
    await this.back.load(item, url);
  }

  /**
   * Show `item` and resolve when it has played (an image's durationSeconds, a video's end);
   * reject when it cannot play. The previous frame stays up until the new one is ready.
   */
  async play(item, url) {
    if (!(this.back.assetId === item.assetId && this.back.url === url)) await this.back.load(item, url);
    if (this.pairing) throw new Error("the pairing screen is up");
    const incoming = this.back;
    if (item.type === "VIDEO") await incoming.startVideo();
    incoming.root.classList.add("front");
    this.visible.root.classList.remove("front");
    this.front = 1 - this.front;
    if (this.endedAt !== null) this.gapsMs.push(performance.now() - this.endedAt);
    this.hideSlide();
    this.kind = "CONTENT";
    const outgoing = this.back;
    if (outgoing.type === "VIDEO") outgoing.video.pause();
    outgoing.assetId = null; // its frame is no longer shown; it is free for the next item
    await this.until_end(incoming, item);
    this.endedAt = performance.now();
  }

  until_end(layer, item) {
    if (item.type === "IMAGE") {
      return new Promise((resolve) => setTimeout(resolve, Math.max(1, item.durationSeconds) * 1000));
    }
    return once(layer.video, "ended", "error", Math.max(item.durationSeconds, 1) * 3000 + 30_000);
  }

  /** Stop the loop's item early (a new manifest, RESTART_PLAYBACK_LOOP): the frame stays. */
  interrupt() {
    for (const layer of this.layers) if (layer.type === "VIDEO") layer.video.dispatchEvent(new Event("ended"));
  }

  clearMedia() {
    for (const layer of this.layers) {
      layer.assetId = null;
      layer.img.removeAttribute("src");
      layer.video.removeAttribute("src");
    }
  }

  hideSlide() {
    this.slide.hidden = true;
    this.slide.replaceChildren();
  }

  showSlide(kind, parts) {
    this.slide.replaceChildren(...parts);
    this.slide.className = `slide ${kind.toLowerCase()}`;
    this.slide.hidden = false;
    this.kind = kind;
  }

  /** The pairing slide (contract "The slides a player draws itself"): code, QR, address. */
  showPairing(code, qrPayload, screenLine) {
    const address = qrPayload.split("?")[0];
    this.pairing = true;
    const qr = qrcode(0, "M");
    qr.addData(qrPayload);
    qr.make();
    const picture = document.createElement("div");
    picture.className = "qr";
    picture.innerHTML = qr.createSvgTag({ cellSize: 8, margin: 4, scalable: true });
    this.showSlide("PAIRING", [
      text("h1", "code", code),
      picture,
      text("p", "instructions", `On your phone or computer, go to ${address} and enter this code.`),
      text("p", "next", "This screen starts playing as soon as a manager adds it to a venue."),
      ...(screenLine ? [text("p", "screen-line", screenLine)] : []),
    ]);
  }

  showStatus(kind, title, detail, screenLine) {
    if (kind === "ERROR" && this.hasFrame()) {
      this.kind = "CONTENT"; // §9: the last good frame beats an error slide
      return;
    }
    this.showSlide(kind, [
      text("h1", "title", title),
      text("p", "detail", detail),
      ...(screenLine ? [text("p", "screen-line", screenLine)] : []),
    ]);
  }
}

function text(tag, className, value) {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = value;
  return el;
}
