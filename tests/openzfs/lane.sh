#!/usr/bin/env bash
# The OpenZFS lane (issue 11): boots a Debian kernel with the OpenZFS module in QEMU (TCG, no KVM
# here) and runs the already built contract suite, engine scenarios and API flow against it. Gets
# the packages with `apt-get download` (a private package list: the host's apt sources are not
# changed), builds spl.ko/zfs.ko once per kernel and OpenZFS version, builds a busybox initramfs,
# boots, and exits with the guest's status. TRX files land in the results directory.
#
# Usage: lane.sh <results directory>   (absolute; `dotnet build SnapUpgrade.sln -c Release` done; the test
# projects are published ReadyToRun from it here)
#        lane.sh --prepare <results directory>   (QEMU, the packages, the module build and the initramfs only: nothing
# in the checkout is read or written, so test.sh runs it early, beside the host lanes, at idle priority)
# Environment: SNAPUPGRADE_OPENZFS_CACHE (default /var/cache/snapupgrade/openzfs),
# SNAPUPGRADE_OPENZFS_SUITES (default contract,api,scenarios-1|scenarios-2: ',' one after another, '|' side
# by side; scenarios is both halves in one run; crash-1, crash-2 and crash-sweeps (both) are the crash
# sweeps, killed at every 7th journal point (see guest.sh), left out by default: with them the lane
# exceeded the CI budget, see the README; events is the host-change tests alone, also part of contract),
# SNAPUPGRADE_OPENZFS_TIMEOUT seconds (3300) for the guest, SNAPUPGRADE_OPENZFS_DEADLINE (epoch seconds: the
# guest is stopped then at the latest, and the lane does not boot it with less than 5 minutes to go; test.sh
# passes its run's end, so the preparation here counts against the run's budget).
set -euo pipefail

readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly REPO=$(cd "$HERE/../.." && pwd)
PREPARE_ONLY=false
[[ ${1:-} == --prepare ]] && { PREPARE_ONLY=true; shift; }
readonly PREPARE_ONLY
readonly RESULTS=${1:?usage: lane.sh [--prepare] <results directory>}
readonly CACHE=${SNAPUPGRADE_OPENZFS_CACHE:-/var/cache/snapupgrade/openzfs}
readonly SUITES=${SNAPUPGRADE_OPENZFS_SUITES-contract,api,scenarios-1|scenarios-2}
readonly TIMEOUT=${SNAPUPGRADE_OPENZFS_TIMEOUT:-3300}
readonly DEADLINE=${SNAPUPGRADE_OPENZFS_DEADLINE:-}
# What TESTING.md measured to work together: the header package must match the image exactly.
readonly KERNEL=6.1.0-57-amd64
readonly ZFS_PACKAGE=2.3.2-2~bpo12+2
readonly ZFS=${ZFS_PACKAGE%%-*}
readonly USERLAND_PACKAGES=(zfsutils-linux libzfs6linux libnvpair3linux libuutil3linux libzpool6linux)
# Loaded by init before the host's / is reachable, in this order.
# overlay: an upgrade's staging (ADR 0026) mounts overlays over a read-only clone.
readonly BOOT_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay)

say() { printf '=== openzfs: %s\n' "$*"; }
die() { printf '!!! openzfs: %s\n' "$*" >&2; exit 1; }

# The kernel command line carries paths, split on spaces by the guest.
for path in "$RESULTS" "$CACHE" "$HERE"; do
    [[ $path == /* && $path != *[[:space:]]* ]] || die "'$path' must be an absolute path without spaces"
done
[[ $EUID -eq 0 ]] || die "needs root (installs QEMU, builds the initramfs as root-owned files)"

install_missing() {
    local packages=()
    command -v qemu-system-x86_64 >/dev/null 2>&1 || packages+=(qemu-system-x86)
    # grep without -q: -q stops at the match, and busybox, if still writing its list, ends on SIGPIPE, which pipefail
    # took for a missing cpio (CI's log of 2026-12-04 said "installing busybox-static" with it installed)
    [[ -x /bin/busybox ]] && /bin/busybox --list | grep -x cpio >/dev/null || packages+=(busybox-static)
    command -v make >/dev/null 2>&1 || packages+=(make)
    command -v gcc-12 >/dev/null 2>&1 || packages+=(gcc-12)
    [[ ${#packages[@]} -eq 0 ]] && return
    say "installing ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
}

# apt-get with its own source list and state under the cache: contrib and bookworm-backports are
# needed for zfs-dkms 2.3, and the host's own apt configuration stays as it is.
private_apt() {
    local apt=$CACHE/apt
    "$@" -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
        -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root
}

download_packages() {
    local wanted=(linux-image-"$KERNEL" linux-headers-"$KERNEL" linux-headers-"${KERNEL%-amd64}"-common linux-kbuild-6.1
        zfs-dkms="$ZFS_PACKAGE")
    local package missing=()
    for package in "${USERLAND_PACKAGES[@]}"; do wanted+=("$package=$ZFS_PACKAGE"); done
    for package in "${wanted[@]}"; do
        compgen -G "$CACHE/debs/${package%%=*}_*.deb" >/dev/null || missing+=("$package")
    done
    [[ ${#missing[@]} -eq 0 ]] && return
    say "downloading ${missing[*]}"
    mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial" "$CACHE/debs"
    cat >"$CACHE/apt/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm main contrib
deb http://deb.debian.org/debian bookworm-backports main contrib
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    private_apt apt-get update -q
    (cd "$CACHE/debs" && private_apt apt-get download -q "${missing[@]}")
}

# Unpacked once per version: the guest's kernel and boot modules, and the OpenZFS userland.
unpack() {
    local kernel_dir=$CACHE/kernel/$KERNEL userland_dir=$CACHE/userland/$ZFS package
    local module complete=yes
    for module in "${BOOT_MODULES[@]}"; do [[ -f $kernel_dir/modules/$module.ko ]] || complete=no; done
    if [[ ! -f $kernel_dir/vmlinuz || $complete == no ]]; then
        rm -rf "$kernel_dir" "$kernel_dir.partial"
        mkdir -p "$kernel_dir.partial/image"
        dpkg-deb -x "$CACHE"/debs/linux-image-"$KERNEL"_*.deb "$kernel_dir.partial/image"
        cp "$kernel_dir.partial/image/boot/vmlinuz-$KERNEL" "$kernel_dir.partial/vmlinuz"
        mkdir -p "$kernel_dir.partial/modules"
        for module in "${BOOT_MODULES[@]}"; do
            find "$kernel_dir.partial/image/lib/modules/$KERNEL/kernel" -name "$module.ko" -exec cp {} "$kernel_dir.partial/modules/" \;
            [[ -f $kernel_dir.partial/modules/$module.ko ]] || die "no $module.ko in linux-image-$KERNEL"
        done
        rm -rf "$kernel_dir.partial/image"
        mv "$kernel_dir.partial" "$kernel_dir"
    fi
    if [[ ! -x $userland_dir/sbin/zfs && ! -x $userland_dir/usr/sbin/zfs ]]; then
        rm -rf "$userland_dir"
        mkdir -p "$userland_dir.partial"
        for package in "${USERLAND_PACKAGES[@]}"; do
            dpkg-deb -x "$CACHE"/debs/"$package"_*.deb "$userland_dir.partial"
        done
        mv "$userland_dir.partial" "$userland_dir"
    fi
}

build_initramfs() {
    local tree=$CACHE/initramfs.d
    rm -rf "$tree"
    mkdir -p "$tree"/{bin,modules,proc,sys,dev,host}
    cp /bin/busybox "$tree/bin/busybox"
    cp "$HERE/init" "$tree/init"
    chmod 755 "$tree/init"
    cp "$CACHE/kernel/$KERNEL"/modules/*.ko "$tree/modules/"
    (cd "$tree" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$CACHE/initramfs.gz"
    rm -rf "$tree"
}

boot_guest() {
    local modules=$CACHE/modules/$KERNEL-$ZFS limit=$TIMEOUT left
    if [[ -n $DEADLINE ]]; then
        left=$((DEADLINE - $(date +%s)))
        [[ $left -ge 300 ]] || die "only $left s are left before the run's deadline: the guest is not booted"
        [[ $left -lt $limit ]] && { say "the guest gets the $left s left before the run's deadline, not $limit s"; limit=$left; }
    fi
    say "booting the guest (TCG, -smp 2, 8G, at most $limit s): suites $SUITES; console in $RESULTS/openzfs-console.log"
    rm -f "$RESULTS/guest-status"
    local status=0
    # --foreground: QEMU stays in our process group, so whoever stops this lane stops the guest too.
    # mitigations=off: a throwaway test guest needs no defence against speculative execution, and under TCG every
    # retpoline and RSB fill is emulated (the guest's kernel chose retpolines and RSB filling for spectre v2).
    timeout --foreground --kill-after=30 "$limit" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 8G -smp 2 \
        -nographic -no-reboot \
        -kernel "$CACHE/kernel/$KERNEL/vmlinuz" -initrd "$CACHE/initramfs.gz" \
        -append "console=ttyS0 panic=-1 quiet mitigations=off rdinit=/init su.results=$RESULTS su.modules=$modules su.userland=$CACHE/userland/$ZFS su.suites=$SUITES su.run=$HERE/guest.sh" \
        -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap" \
        -virtfs "local,path=$RESULTS,mount_tag=results,security_model=passthrough" \
        </dev/null >"$RESULTS/openzfs-console.log" 2>&1 || status=$?
    [[ $status -eq 0 ]] || { tail -n 40 "$RESULTS/openzfs-console.log"; die "QEMU exited with $status (124: timed out after $limit s)"; }
    [[ -f $RESULTS/guest-status ]] || { tail -n 40 "$RESULTS/openzfs-console.log"; die "the guest wrote no status"; }
    return "$(<"$RESULTS/guest-status")"
}

# The test projects the suites run, published ReadyToRun (precompiled) beside their build: under TCG the
# JIT is emulated too. On BeLifecycle (13 tests, session 14) the guest's CPU time fell from 389 s to 247 s
# and the suite's from 245 s to 195 s, with the JIT's tiers off in the guest (guest.sh); the two streams
# share two cores, so the CPU time is what counts. Both projects took 63 s in CI. Not the API tests: see guest.sh.
# Run as whoever built the checkout when this runs under sudo: the publish's restore rewrites obj/, which must
# not become root's.
publish_ready_to_run() {
    local projects=() project as=() dotnet
    dotnet=$(command -v dotnet) || die "dotnet is not on PATH"
    [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]] && as=(sudo -u "$SUDO_USER" -H)
    [[ $SUITES == *contract* || $SUITES == *events* ]] && projects+=(SnapUpgrade.Tests.Contract)
    [[ $SUITES == *scenarios* || $SUITES == *crash* ]] && projects+=(SnapUpgrade.Tests.Scenarios)
    for project in "${projects[@]}"; do
        say "publishing $project ReadyToRun"
        "${as[@]}" "$dotnet" publish "$REPO/tests/$project/$project.csproj" -c Release -r linux-x64 --self-contained false \
            -p:PublishReadyToRun=true --nologo -v q || die "publishing $project failed"
    done
    # The guest's two vCPUs already run two streams (guest.sh): each runs its classes one at a time, whatever the
    # project's own xunit.runner.json says (the host ran them side by side from session 16 to 17).
    if [[ " ${projects[*]} " == *" SnapUpgrade.Tests.Scenarios "* ]]; then
        printf '%s\n' '{ "parallelizeTestCollections": false }' |
            "${as[@]}" tee "$REPO/tests/SnapUpgrade.Tests.Scenarios/bin/Release/net10.0/linux-x64/publish/xunit.runner.json" >/dev/null
    fi
}

# What needs neither the checkout's build nor the machine to itself: a second call finds it cached in seconds.
prepare() {
    local step
    mkdir -p "$RESULTS" "$CACHE"
    install_missing
    download_packages
    unpack
    step=$SECONDS
    "$HERE/build-modules.sh" "$CACHE/debs" "$CACHE/build/$KERNEL-$ZFS" "$KERNEL" "$ZFS" "$CACHE/modules/$KERNEL-$ZFS"
    say "modules ready in $((SECONDS - step)) s"
    build_initramfs
}

main() {
    local started=$SECONDS step
    if [[ $PREPARE_ONLY == true ]]; then
        prepare
        say "prepared in $((SECONDS - started)) s"
        return 0
    fi
    rm -f "$RESULTS"/OpenZfs.*.trx "$RESULTS/openzfs-times.txt"
    prepare
    step=$SECONDS
    publish_ready_to_run
    say "published in $((SECONDS - step)) s"
    step=$SECONDS
    local status=0
    boot_guest || status=$?
    say "guest ran $((SECONDS - step)) s (exit $status); lane $((SECONDS - started)) s"
    [[ -f $RESULTS/openzfs-times.txt ]] && cat "$RESULTS/openzfs-times.txt"
    return "$status"
}

main; exit $?
