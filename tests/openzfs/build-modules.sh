#!/usr/bin/env bash
# Builds spl.ko and zfs.ko for the guest's kernel from Debian's zfs-dkms source, once per
# (kernel, OpenZFS) pair: the result is cached in <cache>/modules/<kernel>-<zfs>/ and a second call
# only checks it is there. About 5 minutes on 2 cores (TESTING.md).
#
# Usage: build-modules.sh <debs directory> <work directory> <kernel release> <zfs upstream version> <output directory>
set -euo pipefail

readonly DEBS=$1 WORK=$2 KERNEL=$3 ZFS=$4 OUT=$5

if [[ -f $OUT/spl.ko && -f $OUT/zfs.ko ]]; then
    echo "modules for $KERNEL with OpenZFS $ZFS are cached in $OUT"
    exit 0
fi

# A fresh tree every time: a half-built one from an interrupted run must not be trusted.
rm -rf "$WORK"
mkdir -p "$WORK/root"
for deb in "$DEBS"/linux-headers-"$KERNEL"_*.deb "$DEBS"/linux-headers-"${KERNEL%-amd64}"-common_*.deb \
    "$DEBS"/linux-kbuild-*.deb "$DEBS"/zfs-dkms_*.deb; do
    dpkg-deb -x "$deb" "$WORK/root"
done
# The headers' Makefile includes the common tree by its installed path: point it at ours.
sed -i "s|/usr/src/|$WORK/root/usr/src/|g" "$WORK/root/usr/src/linux-headers-$KERNEL/Makefile"

source_dir=$WORK/root/usr/src/zfs-$ZFS
[[ -d $source_dir ]] || { echo "no OpenZFS $ZFS source in the zfs-dkms package" >&2; exit 1; }
started=$SECONDS
cd "$source_dir"
./configure --with-config=kernel \
    --with-linux="$WORK/root/usr/src/linux-headers-${KERNEL%-amd64}-common" \
    --with-linux-obj="$WORK/root/usr/src/linux-headers-$KERNEL" >"$WORK/configure.log" 2>&1 \
    || { tail -n 30 "$WORK/configure.log" >&2; exit 1; }
make -C module -j "$(nproc)" >"$WORK/make.log" 2>&1 || { tail -n 30 "$WORK/make.log" >&2; exit 1; }

# Into a temporary name first, then renamed: a cache entry is either whole or absent.
mkdir -p "$(dirname "$OUT")"
partial=$OUT.partial
rm -rf "$partial"
mkdir -p "$partial"
find module -name spl.ko -exec cp {} "$partial/" \;
find module -name zfs.ko -exec cp {} "$partial/" \;
[[ -f $partial/spl.ko && -f $partial/zfs.ko ]] || { echo "the build made no spl.ko/zfs.ko" >&2; exit 1; }
rm -rf "$OUT"
mv "$partial" "$OUT"
rm -rf "$WORK"
echo "built spl.ko and zfs.ko for $KERNEL with OpenZFS $ZFS in $((SECONDS - started)) s: $OUT"
