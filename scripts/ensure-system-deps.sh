#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: libVLC (the player's
# playback tests), the DejaVu fonts (the player's own slides, issue 22; Pillow's built-in
# font stands in without them) and Chromium (the web app's browser tests, driven by
# Playwright at /usr/bin/chromium; Playwright never downloads a browser of its own). Needs
# root or password-less sudo; otherwise says what to install. Silent when all are installed.
set -euo pipefail

packages=(vlc-bin vlc-plugin-base libvlc5 fonts-dejavu-core chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "warning: missing Debian packages ${missing[*]}; install them as root (libVLC and browser tests will be skipped)" >&2
  exit 0
fi
echo "installing ${missing[*]} from Debian's packages"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
