// Boot: the Service Worker (offline start), the stored state, then the player. `?api=` points
// the player at another platform than the one that served it (a shell's packaged copy).
import { openStore } from "./idb.js";
import { Player } from "./player.js";
import { Screen } from "./screen.js";

// Keys that toggle the diagnostics overlay: a remote's Info or red button, or "i"/"d" on a
// keyboard (Fire TV's remote has Menu; webOS and Tizen send the colour keys).
const DIAGNOSTIC_KEYS = new Set(["Info", "ColorF0Red", "ContextMenu", "i", "d", "F1"]);

async function boot() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((error) => console.warn("no service worker", error));
  }
  const params = new URLSearchParams(location.search);
  const apiUrl = params.get("api") || location.origin;
  const budget = Number(params.get("cacheBudgetBytes")) || undefined;
  const store = await openStore();
  const screen = new Screen(document.getElementById("screen"));
  const player = new Player({ store, screen, apiUrl, budgetBytes: budget, reload: () => location.reload() });
  window.signagePlayer = { state: () => player.snapshot(), player };
  installOverlay(player);
  await player.start();
}

function installOverlay(player) {
  const overlay = document.getElementById("diagnostics");
  let refresh = null;
  const draw = () => {
    const s = player.snapshot();
    const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
    overlay.textContent = [
      `device      ${s.deviceId ?? "(not paired)"}`,
      `hardware    ${s.hardwareId}`,
      `state       ${s.state} / ${s.screen}`,
      `manifest    ${s.manifestEtag ?? "-"}${s.stagedEtag ? ` (staged ${s.stagedEtag})` : ""}`,
      `playing     ${s.currentAssetId ?? "-"} #${s.currentItemIndex ?? "-"} loop ${s.loopCount}`,
      `cache       ${mib(s.cacheUsedBytes)} of ${mib(s.cacheBudgetBytes)}, ${s.cachedAssetIds.length} files`,
      `last sync   ${s.lastSyncUtc ?? "never"} (${s.connected ? "online" : "offline"})`,
      ...(s.storageNote ? [`storage     ${s.storageNote}`] : []),
    ].join("\n");
  };
  document.addEventListener("keydown", (event) => {
    if (!DIAGNOSTIC_KEYS.has(event.key)) return;
    overlay.hidden = !overlay.hidden;
    clearInterval(refresh);
    if (!overlay.hidden) {
      draw();
      refresh = setInterval(draw, 1000);
    }
  });
}

boot().catch((error) => {
  // Never a white page: say what happened on the branded slide.
  const slide = document.getElementById("slide");
  slide.hidden = false;
  slide.className = "slide error";
  slide.textContent = `The player could not start: ${error.message}`;
});
