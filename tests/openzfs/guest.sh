#!/bin/bash
# The test run inside the OpenZFS guest, as PID 1 in the chroot over the host's / (see init). Runs
# the already built test assemblies against the kernel's OpenZFS, writes TRX files, the times and
# its exit status to the results share, and powers the guest off. Nothing is built here.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for word in $(</proc/cmdline); do
    case $word in
        su.results=*) results=${word#su.results=} ;;
        su.userland=*) userland=${word#su.userland=} ;;
        su.suites=*) suites=${word#su.suites=} ;;
    esac
done

finish() {
    echo "$1" >"$results/guest-status"
    sync
    echo o >/proc/sysrq-trigger
    sleep 60
}

# The unpacked OpenZFS userland first, so the host's zfs-fuse /sbin/zfs is never used.
export PATH=$userland/usr/sbin:$userland/sbin:$userland/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LD_LIBRARY_PATH=$userland/lib/x86_64-linux-gnu:$userland/usr/lib/x86_64-linux-gnu
# The real-ZFS labs take the kernel's OpenZFS (no zfs-fuse daemon); a missing part fails.
# HOME on tmpfs, beside the host's /root: built assemblies name NuGet packages under /root/.nuget by path.
export SNAPUPGRADE_ZFS=openzfs CI=true HOME=/tmp/home TMPDIR=/tmp
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_HOME=/tmp
# Under TCG a test host takes longer than vstest's 90 s default to start and connect.
export VSTEST_CONNECTION_TIMEOUT=600
export SNAPUPGRADE_CRASH_STRIDE=7
# The fault sweeps (a zfs command failing at each step of an operation) at every fifth step and the last:
# on zfs-fuse they were 118 s of the scenarios' 526 s (session 13), each step's undo is the engine's own.
# Every third until session 22, when they were about 390 s of the guest's 2100 s of scenarios (TRX of 2026-12-04).
export SNAPUPGRADE_FAULT_STRIDE=5
cd /tmp

echo "guest up after $(cut -d' ' -f1 /proc/uptime) s" | tee "$results/openzfs-times.txt"
zfs version 2>&1 | tee "$results/openzfs-version.txt"
zfs version >/dev/null 2>&1 || finish 1

status=0
# Only the test classes on a real ZFS (their names say ZfsFuse: the same classes as the zfs-fuse
# lane); the simulator's run on the host already.
# Scenario classes (by name) that make up the first half, the one run after contract and API; the
# second half is all the others. By the guest's times in CI on 2026-12-02 with the streams side by side
# (contract 580 s, API 252 s, then the first half without MigrationFidelity and Faults 656 s, ending at
# 1488 s; the second half with them 2434 s, ending at 2494 s), those two classes (about 450 s alone, more
# beside the other stream) move to the first half so that both streams end near 2000 s.
# Session 13: the stop's CI took 3729 s (over the 60 minutes), the first stream the longer; with the fault
# sweeps at every third step (above) BootLoaders (38 s of 526 s on zfs-fuse) moves to the second half, so
# that by the zfs-fuse times both streams end near 1800 s.
# Session 14: with ReadyToRun assemblies (lane.sh) the halves took 1136 s and 1705 s in CI; with the cuts below
# (bad input, foreign reads and refusals) the next CI's streams ended at 1527 s (contract 462, API 233, first
# half 832) and 1663 s (20 s later start, second half 1643).
# Session 22 (its guest run alone, 2026-12-04: contract 449 s, API 203 s, first half 769 s, second 1468 s): with the
# cuts of that day (fault sweeps at every fifth step; three tests left out, 198 s) JournalAudit and ConsoleDatabase
# (33 s) move to the second half.
half=(ForeignLayouts Refusals Zones TrialBoots MigrationFidelity Faults)
half_one=$(printf 'FullyQualifiedName~%s|' "${half[@]}"); half_one=${half_one%|}
half_one_not=$(printf 'FullyQualifiedName!~%s&' "${half[@]}"); half_one_not=${half_one_not%&}
# Left out here: the zfs-fuse scenarios whose subject is the engine's or the loader's own logic, the same on every
# ZFS (the upgrade run's failing, hanging, cancelled and stopped commands; bad input refused before any zfs command;
# the plan token's own checks; the loaders' files alone; ...). Each carries the trait OpenZfsGuest=left-out and says
# why beside it (tests/SnapUpgrade.Tests.Support/OpenZfsGuest.cs); they run on zfs-fuse and the simulator on every
# host run. Sessions 13-16 kept them as a list of names here (26 tests; the same ones, checked with --list-tests).
not_in_guest='OpenZfsGuest!=left-out'
# The crash sweeps in two halves the same way (by their zfs-fuse times at stride 7: 19 s and 18 s).
crash=FullyQualifiedName~CrashRecoveryOnZfsFuse
crash_half=(CarryOver_ Migrate_ Deep)
crash_one=$(printf "$crash.%s|" "${crash_half[@]}"); crash_one=${crash_one%|}
crash_one_not=$(printf 'FullyQualifiedName!~CrashRecoveryOnZfsFuse.%s&' "${crash_half[@]}"); crash_one_not=${crash_one_not%&}

run_suite() {
    local suite=$1 project filter started status=0
    case $suite in
        # Not the classes on ext4 or tmpfs beside zfs-fuse: no ZFS in them, and they run on the host already.
        # Nor the staged-apply contract on a pool (ADR 0025): 373 s of test time here in its first CI, against
        # 20 s on zfs-fuse; it is file logic over the files port, whose paths are the ones tmpfs (with
        # RENAME_EXCHANGE and xattrs) and zfs-fuse (without) take on the host.
        contract) project=SnapUpgrade.Tests.Contract filter='FullyQualifiedName~ZfsFuse&FullyQualifiedName!~Ext4&FullyQualifiedName!~Tmpfs&FullyQualifiedName!~StagedApplyContract' ;;
        scenarios) project=SnapUpgrade.Tests.Scenarios filter="FullyQualifiedName~ZfsFuse&FullyQualifiedName!~CrashRecovery&$not_in_guest" ;;
        # The same scenarios in two halves of about equal time, for two streams: every test in exactly one.
        scenarios-1) project=SnapUpgrade.Tests.Scenarios
            filter="FullyQualifiedName~ZfsFuse&FullyQualifiedName!~CrashRecovery&($half_one)&$not_in_guest" ;;
        scenarios-2) project=SnapUpgrade.Tests.Scenarios
            filter="FullyQualifiedName~ZfsFuse&FullyQualifiedName!~CrashRecovery&${half_one_not}&$not_in_guest" ;;
        # The crash sweeps: each operation killed at its journal points, restarted, compared. At every
        # point they take hours under TCG (half the scenarios' time on zfs-fuse, where they run at every
        # point): here at every SNAPUPGRADE_CRASH_STRIDE-th (odd; default 7), every operation still at
        # least once and its uninterrupted run checked.
        crash-sweeps) project=SnapUpgrade.Tests.Scenarios filter=$crash ;;
        crash-1) project=SnapUpgrade.Tests.Scenarios filter=$crash_one ;;
        crash-2) project=SnapUpgrade.Tests.Scenarios filter="$crash&$crash_one_not" ;;
        api) project=SnapUpgrade.Tests.Api filter="FullyQualifiedName~ZfsFuseApiScenarios&$not_in_guest" ;;
        # The host-change followers alone (ADR 0023: zpool events -f, the mount table, the watcher as composed);
        # their tests are part of contract too. For a quick run: SNAPUPGRADE_OPENZFS_SUITES=events.
        events) project=SnapUpgrade.Tests.Contract filter='FullyQualifiedName~ZfsFuse.HostChangesTests' ;;
        *) echo "unknown suite $suite"; return 2 ;;
    esac
    # ReadyToRun (lane.sh) but the API suite: its WebApplicationFactory found no server address when run from
    # the publish directory (session 14), so it runs from the build as before.
    local dll=$repo/tests/$project/bin/Release/net10.0/linux-x64/publish/$project.dll
    # ReadyToRun code is kept, not compiled again in tiers by an emulated JIT on the second vCPU, which the other
    # stream needs; the JIT's tiers stay for the API suite's JIT-compiled build.
    local tiers=0
    [[ $project == SnapUpgrade.Tests.Api ]] && dll=$repo/tests/$project/bin/Release/net10.0/$project.dll tiers=1
    started=$(cut -d. -f1 /proc/uptime)
    echo "=== $suite: dotnet test $dll --filter $filter"
    DOTNET_TieredCompilation=$tiers dotnet test "$dll" --filter "$filter" --logger "trx;LogFileName=OpenZfs.$project.$suite.trx" \
        --results-directory "$results" </dev/null || status=1
    echo "$suite: $(($(cut -d. -f1 /proc/uptime) - started)) s" | tee -a "$results/openzfs-times.txt"
    return "$status"
}

# Streams split by '|' run side by side (each suite is mostly one thread: under TCG the second vCPU
# would idle), the suites of a stream one after another. Every test makes its own pool.
pids=()
IFS='|' read -ra streams <<<"$suites"
# Two dotnet CLIs starting at once on a fresh DOTNET_CLI_HOME race in their first-time setup (one died:
# mkdir /tmp/.dotnet/shm/session0 EEXIST): one warm-up first, and each later stream starts 20 s after (a minute
# until session 14: the warm-up alone takes that first-time setup).
dotnet --info >/dev/null 2>&1 || true
for index in "${!streams[@]}"; do
    stream=${streams[$index]}
    (
        sleep $((index * 20))
        stream_status=0
        for suite in ${stream//,/ }; do run_suite "$suite" || stream_status=1; done
        exit "$stream_status"
    ) &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
finish "$status"
