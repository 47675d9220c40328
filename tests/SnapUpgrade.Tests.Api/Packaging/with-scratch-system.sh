#!/bin/sh
# with-scratch-system.sh <scratch> <program> [args...]: runs a maintainer script against scratch copies of
# the system's accounts. Run it under `unshare --mount --propagation private`: /etc becomes a copy of
# itself and /var/lib and /run empty folders, in this mount namespace only, so adduser and install -d
# change the copies and the real host stays as it was. Afterwards it prints what the test checks.
set -eu
scratch=$1
shift
# This namespace began with a copy of every mount, the other tests' zfs-fuse file systems too, and
# zfs-fuse cannot let go of a file system while any copy of its mount is left: meanwhile its remount
# and its pool's destroy answer "busy" (measured). Drop the copies here; the host's mounts stay.
umount -a -l -t fuse.zfs
mkdir -p "$scratch/etc" "$scratch/var-lib" "$scratch/run"
cp -a /etc/. "$scratch/etc/"
# Another test run (or an earlier install) may have made the user on this machine: start without it.
for file in passwd shadow group gshadow; do
    if [ -f "$scratch/etc/$file" ]; then sed -i '/^snapupgrade:/d' "$scratch/etc/$file"; fi
done
mount --bind "$scratch/etc" /etc
mount --bind "$scratch/var-lib" /var/lib
mount --bind "$scratch/run" /run
"$@"
echo "passwd: $(getent passwd snapupgrade)"
echo "group: $(getent group snapupgrade)"
echo "data: $(stat -c '%U:%G %a' /var/lib/snapupgrade-web)"
