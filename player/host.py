"""What the player can learn from and ask of its Linux host, best effort (§19, §27.8.1 settings,
§27.8.2 network.type). Nothing here may stop playback: every failure becomes a report string
that lands in state.json and the APP_STARTED event, where support staff can read it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

SYS_CLASS_NET = Path("/sys/class/net")
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
