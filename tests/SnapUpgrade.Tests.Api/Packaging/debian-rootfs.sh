#!/usr/bin/env bash
# A Debian root file system with systemd, for InstalledServiceTests to boot in a container
# (systemd-nspawn): debootstrap once per machine and package list, cached under $1; prints its path.
# The tests never write into it: each boots it under an overlay of its own.
# The packages: what the .deb depends on (adduser, rsync, zfs-fuse for "zfsutils-linux | zfs-fuse",
# libssl3), systemd as PID 1 with dbus, and curl and procps for the test to look from inside.
set -euo pipefail
readonly CACHE=${1:?usage: debian-rootfs.sh CACHE_DIR}
readonly SUITE=bookworm
readonly PACKAGES=systemd,systemd-sysv,dbus,adduser,rsync,zfs-fuse,libssl3,curl,ca-certificates,procps
readonly MIRROR=${SNAPUPGRADE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

key=$SUITE-$(printf '%s' "$PACKAGES" | sha256sum | cut -c1-12)
dir=$CACHE/$key
mkdir -p "$CACHE"
if [[ ! -d $dir ]]; then
    exec 9>"$CACHE/.lock"
    flock 9 # one build at a time; whoever waited finds it made
    if [[ ! -d $dir ]]; then
        rm -rf "$dir.partial"
        debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$dir.partial" "$MIRROR" >&2
        # zfs-fuse is there for the package's dependency only: the container has no /dev/fuse
        ln -sf /dev/null "$dir.partial/etc/systemd/system/zfs-fuse.service"
        echo snapupgrade-test >"$dir.partial/etc/hostname"
        mv "$dir.partial" "$dir" # whole or not at all
    fi
fi
echo "$dir"
