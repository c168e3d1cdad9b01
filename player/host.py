"""What the player can learn from and ask of its Linux host, best effort (§19, §27.8.1 settings,
§27.8.2 network.type). Nothing here may stop playback: every failure becomes a report string
that lands in state.json and the APP_STARTED event, where support staff can read it."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

SYS_CLASS_NET = Path("/sys/class/net")
SYS_CLASS_DRM = Path("/sys/class/drm")
XRANDR_SCREEN = re.compile(r"\bcurrent (\d+) x (\d+)")
DRM_MODE = re.compile(r"^(\d+)x(\d+)")
# Screen blanking and DPMS off for the X display the player draws on.
XSET_KEEP_AWAKE = ("xset", "s", "off", "-dpms", "s", "noblank")
XSET_ALLOW_SLEEP = ("xset", "s", "on", "+dpms")


def detect_network_type(net_dir: Path = SYS_CLASS_NET) -> str | None:
    """ETHERNET, WIFI or NONE from the interfaces that are up; None where there is no sysfs.
    A wired link wins over Wi-Fi when both are up (it is the one the kernel usually routes)."""
    if not net_dir.is_dir():
        return None
    kinds = set()
    for interface in net_dir.iterdir():
        if interface.name == "lo" or _operstate(interface) != "up":
            continue
        wireless = (interface / "wireless").exists() or (interface / "phy80211").exists()
        kinds.add("WIFI" if wireless else "ETHERNET")
    for kind in ("ETHERNET", "WIFI"):
        if kind in kinds:
            return kind
    return "NONE"


def _operstate(interface: Path) -> str:
    try:
        return (interface / "operstate").read_text().strip()
    except OSError:
        return "unknown"


def apply_keep_awake(
    keep_awake: bool,
    env: Mapping[str, str],
    run: Callable[..., Any] = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """Turn screen blanking off (keepAwake) or back on, on an X display; report the outcome."""
    if not env.get("DISPLAY"):
        return "not applicable: no display (headless or console)"
    if which("xset") is None:
        return "unavailable: xset is not installed (Debian package x11-xserver-utils)"
    command = XSET_KEEP_AWAKE if keep_awake else XSET_ALLOW_SLEEP
    try:
        run(list(command), check=True, timeout=5, capture_output=True, env=dict(env))
    except (OSError, subprocess.SubprocessError) as exc:
        return f"failed: {type(exc).__name__}"
    return "applied: screen kept awake" if keep_awake else "applied: screen may sleep"


def relaunch_supervision(env: Mapping[str, str]) -> str:
    """Who restarts the player if it exits (autoRelaunch, §19): a process cannot relaunch
    itself, so kiosk boxes run it under systemd (`Restart=always`, see player/README.md)."""
    if env.get("INVOCATION_ID"):
        return "systemd"
    return "none: run under systemd with Restart=always for autoRelaunch"


def detect_output_size(
    env: Mapping[str, str],
    run: Callable[..., Any] = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
    drm_dir: Path = SYS_CLASS_DRM,
) -> tuple[tuple[int, int], str] | None:
    """The size of the screen the player draws on, and where it was read: libVLC tells only
    a video's size, not its window's, so ask the X display (`xrandr`, Debian package
    x11-xserver-utils) or, on a console, the kernel's first connected output (its preferred
    mode comes first). None when neither answers (no display at all)."""
    if env.get("DISPLAY") and which("xrandr") is not None:
        try:
            done = run(
                ["xrandr", "--current"], timeout=5, capture_output=True, text=True, env=dict(env)
            )
        except (OSError, subprocess.SubprocessError):
            done = None
        size = parse_xrandr_size(done.stdout) if done is not None else None
        if size is not None:
            return size, "xrandr"
    for connector in sorted(drm_dir.glob("card*-*")):
        if _read(connector / "status") != "connected":
            continue
        match = DRM_MODE.match(_read(connector / "modes"))
        if match:
            return (int(match[1]), int(match[2])), f"drm {connector.name}"
    return None


def parse_xrandr_size(output: str) -> tuple[int, int] | None:
    """`Screen 0: minimum 8 x 8, current 1920 x 1080, maximum ...` -> (1920, 1080)."""
    match = XRANDR_SCREEN.search(output)
    return (int(match[1]), int(match[2])) if match else None


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


class SystemdNotifier:
    """sd_notify(3) without libsystemd: READY=1 once started, WATCHDOG=1 from the main loop,
    so the unit's WatchdogSec restarts a player whose loop hangs (deploy/player). Does nothing
    outside systemd (no NOTIFY_SOCKET). At most one datagram a second."""

    def __init__(self, env: Mapping[str, str], clock: Callable[[], float]) -> None:
        address = env.get("NOTIFY_SOCKET", "")
        # An abstract socket's name starts with "@", which stands for a NUL byte.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._clock = clock
        self._last_watchdog = float("-inf")

    def notify(self, state: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(state.encode(), self._address)
        except OSError:
            pass  # the supervisor's business; never the player's failure

    def watchdog(self) -> None:
        now = self._clock()
        if now - self._last_watchdog >= 1.0:
            self._last_watchdog = now
            self.notify("WATCHDOG=1")
