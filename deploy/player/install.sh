#!/bin/bash
# Installs the reference player as a systemd service on a Debian box, as root:
#   deploy/player/install.sh https://signage.example.com [extra player options]
# libVLC from Debian, the player in its own venv under /opt/signage-player, an unprivileged
# user, /etc/signage-player.env, and the unit enabled and started.
set -euo pipefail
API_URL=${1:?usage: install.sh API_URL [player options]}
shift
OPTIONS="$*"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=${PREFIX:-/opt/signage-player}
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3 python3-venv vlc-plugin-base libvlc5 fonts-dejavu-core >/dev/null
id signage-player >/dev/null 2>&1 || useradd --system --home-dir /var/lib/signage-player \
    --shell /usr/sbin/nologin signage-player
for group in video audio render; do
    getent group "$group" >/dev/null && usermod -aG "$group" signage-player
done
python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --quiet "$REPO[player]"
cp "$REPO/player/README.md" "$PREFIX/README.md" 2>/dev/null || true
cat >/etc/signage-player.env <<ENV
SIGNAGE_PLAYER_API_URL=$API_URL
SIGNAGE_PLAYER_OPTIONS=$OPTIONS
ENV
install -m 644 "$(dirname "$0")/signage-player.service" /etc/systemd/system/signage-player.service
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now signage-player.service
    echo "signage-player started; logs: journalctl -u signage-player -f"
else
    echo "installed; systemd is not running here, so the unit was not started"
fi
