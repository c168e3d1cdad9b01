#!/bin/bash
# local/debian:bookworm from Debian's archive, for hosts that reach no image registry
# (issue 16 "Building here"): debootstrap minbase from the mirror apt already uses, then
# `docker import`. The root filesystem's tarball is cached (CACHE_DIR), so later runs only
# import it (~1 s) instead of bootstrapping (~45 s).
set -euo pipefail
IMAGE=${1:-local/debian:bookworm}
CACHE_DIR=${CACHE_DIR:-/var/cache/signage-deploy}
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
tarball="$CACHE_DIR/debian-bookworm-minbase.tar"
if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    # (no /etc/apt/sources.list on a deb822-only machine: grep's exit 2 must not end the script)
    mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
        /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | head -n1 | tr -d ' ' || true)
    mirror=${mirror:-http://deb.debian.org/debian/}
    rootfs=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
fi
docker import "$tarball" "$IMAGE" >/dev/null
