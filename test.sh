#!/usr/bin/env bash
# The test command of the README: every test lane, a benchmark smoke, then the OpenZFS lane (QEMU), on a fresh Debian machine.
# Installs what the lanes need (zfs-fuse, Chromium, docker-compose) when missing and it may (root or
# sudo), starts the zfs-fuse daemon, makes the container root and the OpenZFS lane's preparation in the background at
# idle priority, builds once, runs each test project in turn and ends with the
# line `N passed, N failed, N skipped` summed from the TRX files. Exits non-zero when anything failed.
# Lanes whose real part is missing skip loudly on a laptop and fail in CI (CI=true): the tests decide.
#
# Environment: CI=true (what .ci/run sets), TEST_RESULTS_DIR (default ./test-results),
# LANE_TIMEOUT seconds per test project (default 900), OPENZFS_LANE=off (skip the ~40 min QEMU lane
# on a laptop; fails in CI), SNAPUPGRADE_OPENZFS_CACHE and SNAPUPGRADE_OPENZFS_TIMEOUT (tests/openzfs/lane.sh),
# RUN_BUDGET seconds for the whole run (default 4500: no lane runs past it and the guest lane, its
# preparation included, gets what is left, so the closing line is printed inside CI's 90 minutes
# even when a lane before it hung).
set -euo pipefail
# The zfs-fuse daemon of this machine's mount namespace: a booted test container (the API lane's systemd-nspawn
# Debian) runs one of its own, which is neither this run's to look at nor to kill.
ZFS_FUSE_HERE=(--ns $$ --nslist mnt -x zfs-fuse)

cd "$(dirname "${BASH_SOURCE[0]}")"
readonly ROOT=$PWD
readonly RESULTS=${TEST_RESULTS_DIR:-$ROOT/test-results}
readonly CONFIGURATION=Release
readonly LANE_TIMEOUT=${LANE_TIMEOUT:-900}
readonly RUN_BUDGET=${RUN_BUDGET:-4500}
readonly STARTED=$SECONDS
# The run's end as a clock time (epoch seconds): the OpenZFS lane is handed it, not a length.
readonly DEADLINE=$(($(date +%s) + RUN_BUDGET))
left_of_budget() { echo $((DEADLINE - $(date +%s))); }
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export SNAPUPGRADE_TEST_LOG_DIR=$RESULTS # where fixtures record the exceptions xunit does not show

say() { printf '\n=== %s\n' "$*"; }
# A lane's header carries the clock and the run's elapsed time, so a log cut short still says where the time went.
say_lane() { say "$* [$(date -u +%H:%M:%S), $((SECONDS - STARTED)) s into the run, $(disk_free /tmp) free on /tmp]"; }
warn() { printf '!!! %s\n' "$*" >&2; }

# The prefix that runs a command as root: none when root, non-interactive sudo when allowed.
if [[ $EUID -eq 0 ]]; then AS_ROOT=() CAN_ROOT=true
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then AS_ROOT=(sudo -n) CAN_ROOT=true
else AS_ROOT=() CAN_ROOT=false
fi
as_root() { [[ $CAN_ROOT == true ]] && "${AS_ROOT[@]}" "$@"; }

install_missing() {
    local packages=()
    [[ -x /sbin/zfs-fuse || -x /usr/sbin/zfs-fuse ]] || packages+=(zfs-fuse)
    [[ -x /usr/bin/chromium ]] || packages+=(chromium)
    command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
    command -v rsync >/dev/null 2>&1 || packages+=(rsync)
    command -v getfattr >/dev/null 2>&1 || packages+=(attr)
    command -v getfacl >/dev/null 2>&1 || packages+=(acl)
    command -v grub-editenv >/dev/null 2>&1 || packages+=(grub-common)
    # the real-dpkg upgrade tests put a static busybox into their chroots as /bin/sh
    [[ -x /bin/busybox ]] || packages+=(busybox-static)
    # the installed-service test boots a Debian container with systemd as PID 1
    [[ -x /usr/bin/systemd-nspawn ]] || packages+=(systemd-container)
    [[ -x /usr/sbin/debootstrap ]] || packages+=(debootstrap)
    if [[ ${#packages[@]} -eq 0 ]]; then
        echo "zfs-fuse, chromium, docker-compose, rsync, attr, acl, grub-common, busybox, systemd-container and debootstrap are installed"
        return
    fi
    say "installing ${packages[*]}"
    if [[ $CAN_ROOT == false ]]; then
        warn "not root and no sudo: cannot install ${packages[*]}; the lanes that need them will skip (fail in CI)"
        return
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" \
        || warn "installing ${packages[*]} failed; the lanes that need them will skip (fail in CI)"
}

zpool_answers() { timeout "${1:-10}" "${AS_ROOT[@]}" zpool list >/dev/null 2>&1; }

# zfs-fuse wedges a pool whose image file cannot be written (reproduced with an image on a full
# file system): every write into it then waits in the kernel for good (not even SIGKILL ends it)
# while `zpool list` still answers. In one CI run each zfs lane hung like that until its
# LANE_TIMEOUT (on a machine whose disk is shared, so a full disk is the likely cause) and the run
# overran CI's 90 minutes without a closing line. So the daemon counts as healthy only while it
# answers and no pool says its I/O failed or is suspended; the labs allocate their images up front.
zfs_fuse_healthy() {
    local status
    status=$(timeout "${1:-10}" "${AS_ROOT[@]}" zpool status -x 2>&1) || return 1
    ! grep -Eq 'I/O is currently suspended|in response to IO failures' <<<"$status" && canary_writes "${1:-10}"
}

# zfs-fuse can also deadlock with every pool healthy: in a session-17 CI run 405 of its 413 threads
# waited on a futex and every write into a lab's mount hung while `zpool status -x` answered "all
# pools are healthy", and the scenario lane ran on to its LANE_TIMEOUT. So the watchdog also writes
# a file into a pool of its own, the canary (a preallocated 64 MiB image under
# /tmp/snapupgrade-tests, named for this run's pid, destroyed when the run ends). A canary left by a
# run that was killed is destroyed by the next run, and only when no process has that pid.
readonly CANARY_POOL=sucanary$$ CANARY_DIR=/tmp/snapupgrade-tests/canary-$$
CANARY=false CANARY_PROBES=0
make_canary() {
    CANARY=false
    [[ $CAN_ROOT == true ]] || return 0
    local pool pid
    for pool in $(timeout 10 "${AS_ROOT[@]}" zpool list -H -o name 2>/dev/null); do
        [[ $pool =~ ^sucanary([0-9]+)$ ]] || continue
        pid=${BASH_REMATCH[1]}
        [[ $pid == "$$" ]] && { CANARY=true; return 0; }
        kill -0 "$pid" 2>/dev/null && continue
        if destroy_canary_pool "$pool" "/tmp/snapupgrade-tests/canary-$pid"; then
            echo "destroyed $pool (the canary of a run that ended without destroying it)"
        else
            warn "could not destroy $pool, the canary of a run that ended: the next run tries again"
        fi
    done
    as_root mkdir -p "$CANARY_DIR/mnt" && as_root rm -f "$CANARY_DIR/pool.img" \
        && as_root fallocate -l 64M "$CANARY_DIR/pool.img" \
        && timeout 30 "${AS_ROOT[@]}" zpool create -f -o cachefile=none -O mountpoint="$CANARY_DIR/mnt" \
            "$CANARY_POOL" "$CANARY_DIR/pool.img" \
        || { warn "could not make the canary pool $CANARY_POOL: zfs-fuse's writes are not watched"; return 0; }
    CANARY=true
}
# Destroys canary pool $1 and its directory $2; false when the pool would not go.
destroy_canary_pool() {
    # zfs-fuse answers "pool is busy" for a moment after a file in it was closed
    for _ in $(seq 20); do
        timeout 30 "${AS_ROOT[@]}" zpool destroy -f "$1" 2>/dev/null && { as_root rm -rf "$2"; return 0; }
        sleep 0.5
    done
    ! timeout 10 "${AS_ROOT[@]}" zpool list "$1" >/dev/null 2>&1
}
destroy_canary() {
    [[ $CANARY == true ]] || return 0
    destroy_canary_pool "$CANARY_POOL" "$CANARY_DIR" || warn "could not destroy the canary pool $CANARY_POOL"
    CANARY=false
}
# A file written into the canary and removed, within $1 seconds. A writer still waiting then is left
# where it is (a write into a deadlocked daemon ends only when the daemon does).
canary_writes() {
    [[ $CANARY == true ]] || return 0
    local writer
    # argv only: the path is the script's argument, never part of its text; a name per probe, so a late writer
    # and the next probe never meet on one file
    CANARY_PROBES=$((CANARY_PROBES + 1))
    "${AS_ROOT[@]}" sh -c 'echo canary >"$1" && rm -- "$1"' canary "$CANARY_DIR/mnt/probe-$CANARY_PROBES-$RANDOM" &
    writer=$!
    for _ in $(seq $((${1:-20} * 5))); do
        kill -0 "$writer" 2>/dev/null || { wait "$writer"; return; }
        sleep 0.2
    done
    warn "a write into the canary pool $CANARY_POOL did not end within ${1:-20} s"
    return 1
}

disk_free() { df -h --output=avail "${1:-/tmp}" 2>/dev/null | tail -n 1 | tr -d ' '; }

# The mounts a dead zfs-fuse leaves behind (they answer "Transport endpoint is not connected"):
# its /zfs-kstat, and the test labs' ones under /tmp/snapupgrade-tests (made by these tests).
# Only called when no zfs-fuse daemon runs, so none of them is alive.
release_dead_zfs_fuse_mounts() {
    local mount
    awk '$3 ~ /^fuse/ && ($2 == "/zfs-kstat" || $2 ~ "^/tmp/snapupgrade-tests/") { print $2 }' /proc/self/mounts \
        | sort -r | while read -r mount; do
            as_root umount -l "$mount" 2>/dev/null && echo "let go of $mount (left by a zfs-fuse that died)"
        done
    return 0
}

ZFS_FUSE_OURS=false
start_zfs_fuse() {
    local daemon
    # /sbin is not on every user's PATH
    daemon=$(PATH=$PATH:/usr/sbin:/sbin command -v zfs-fuse 2>/dev/null || true)
    if [[ -z $daemon ]]; then
        warn "zfs-fuse is not installed: the zfs-fuse lanes will skip (fail in CI)"
        return
    fi
    echo "free on /tmp (the test pools' images): $(disk_free /tmp)"
    if zpool_answers; then
        echo "zfs-fuse daemon is running; pools it holds before the tests: $(timeout 10 "${AS_ROOT[@]}" zpool list -H -o name 2>/dev/null | tr '\n' ' ')"
        return
    fi
    [[ -e /dev/fuse ]] || as_root modprobe fuse 2>/dev/null || true
    if [[ ! -e /dev/fuse ]]; then
        warn "/dev/fuse is missing (a container without it?): zfs-fuse cannot run; its lanes will skip (fail in CI)"
        return
    fi
    if [[ $CAN_ROOT == false ]]; then
        warn "zfs-fuse is not running and only root may start it: its lanes will skip (fail in CI)"
        return
    fi
    if pgrep "${ZFS_FUSE_HERE[@]}" >/dev/null; then
        warn "a zfs-fuse daemon runs but does not answer; start it again yourself (the tests will fail until then)"
        return
    fi
    release_dead_zfs_fuse_mounts
    say "starting zfs-fuse ($daemon, log /tmp/zfs-fuse.log)"
    # setsid: the daemon outlives this script and is shared by every lane (and later runs)
    "${AS_ROOT[@]}" setsid "$daemon" --no-daemon </dev/null >>/tmp/zfs-fuse.log 2>&1 &
    for _ in $(seq 40); do
        zpool_answers && { ZFS_FUSE_OURS=true; echo "zfs-fuse answers"; return; }
        sleep 0.5
    done
    warn "zfs-fuse did not answer within 20 s; see /tmp/zfs-fuse.log: its lanes will skip (fail in CI)"
}

zfs_fuse_report() {
    warn "zfs-fuse is wedged ($(date -u +%H:%M:%S)); free on /tmp: $(disk_free /tmp); what it and its clients were doing:"
    {
        ps -eo pid,stat,etimes,wchan:28,args 2>/dev/null \
            | awk 'NR == 1 || (/ D|request_wait|zfs-fuse|zpool |zfs / && !/awk/) { print substr($0, 1, 200) }'
        timeout 10 "${AS_ROOT[@]}" zpool status -x 2>&1 | head -n 40
        df -h /tmp
        free -m
        echo "--- tail of /tmp/zfs-fuse.log"
        grep -v "^detected: default_permissions" /tmp/zfs-fuse.log | tail -n 30
    } >&2 2>/dev/null || true
}

# Kills a daemon this script started (which frees every process waiting on its mounts) and starts
# a new one. A daemon that ran before this script is not ours to kill.
restart_zfs_fuse() {
    if [[ $ZFS_FUSE_OURS != true ]]; then
        warn "the zfs-fuse daemon was running before this script: it is not restarted"
        return
    fi
    warn "restarting zfs-fuse"
    as_root pkill -KILL "${ZFS_FUSE_HERE[@]}" 2>/dev/null || true
    for _ in $(seq 20); do pgrep "${ZFS_FUSE_HERE[@]}" >/dev/null || break; sleep 0.5; done
    ZFS_FUSE_OURS=false
    start_zfs_fuse
    zpool_answers && make_canary
}

# Runs "$@" (a lane) with a watchdog beside it that looks at zfs-fuse every 20 s; three unhealthy
# looks in a row end the lane (exit 125) after printing what the daemon was doing, and restart it.
with_zfs_fuse_watchdog() {
    "$@" &
    local lane=$! misses=0 status=0
    while kill -0 "$lane" 2>/dev/null; do
        for _ in $(seq 20); do kill -0 "$lane" 2>/dev/null && sleep 1; done
        kill -0 "$lane" 2>/dev/null || break
        if zfs_fuse_healthy 20; then misses=0; else misses=$((misses + 1)); fi
        if [[ $misses -ge 3 ]]; then
            zfs_fuse_report
            kill -TERM "$lane" 2>/dev/null || true
            restart_zfs_fuse # frees the lane's processes stuck in the dead daemon's mounts
            for _ in $(seq 60); do kill -0 "$lane" 2>/dev/null && sleep 1; done
            kill -0 "$lane" 2>/dev/null && warn "the lane's processes did not end; going on without them"
            return 125
        fi
    done
    wait "$lane" || status=$?
    return "$status"
}

# Before a lane: a daemon that was healthy once and is not now is reported and started again.
ZFS_FUSE_SEEN=false
zfs_fuse_ready() {
    if zfs_fuse_healthy; then ZFS_FUSE_SEEN=true; return; fi
    [[ $ZFS_FUSE_SEEN == true ]] || return 0
    zfs_fuse_report
    restart_zfs_fuse
    zfs_fuse_healthy || ZFS_FUSE_SEEN=false
}

# Cheap lanes first, so a broken build shows up before the slow ones. The scale lane
# (SnapUpgrade.Tests.Scale, issue 13: 1000-BE hosts on the simulator and zfs-fuse, Chromium pages,
# counts and shapes, never times) runs among the rest; tests/scale/load.sh measures, it is not a lane.
test_projects() {
    local order=(Unit Component Contract Scenarios Browser) name
    for name in "${order[@]}"; do
        [[ -f tests/SnapUpgrade.Tests.$name/SnapUpgrade.Tests.$name.csproj ]] && echo "SnapUpgrade.Tests.$name"
    done
    for dir in tests/SnapUpgrade.Tests.*/; do
        name=$(basename "$dir")
        [[ $name == SnapUpgrade.Tests.Support ]] && continue
        [[ -f $dir/$name.csproj ]] || continue
        [[ " ${order[*]/#/SnapUpgrade.Tests.} " == *" $name "* ]] || echo "$name"
    done
}

# Prints "total executed passed failed" from a TRX file's <Counters .../> element (awk: no python here).
trx_counters() {
    awk '
        /<Counters / {
            line = $0
            n = split("total executed passed failed error timeout aborted", keys, " ")
            for (i = 1; i <= n; i++) {
                v[keys[i]] = 0
                # the leading space keeps "passed" from matching "passedButRunAborted"
                if (match(line, " " keys[i] "=\"[0-9]+\"")) v[keys[i]] = substr(line, RSTART + length(keys[i]) + 3, RLENGTH - length(keys[i]) - 4)
            }
            print v["total"], v["executed"], v["passed"], v["failed"] + v["error"] + v["timeout"] + v["aborted"]
            found = 1
            exit
        }
        END { if (!found) print "missing" }
    ' "$1"
}

# Prints each failed test of a TRX file: its name and the first lines of its message. CI keeps only
# the end of the output, and the OpenZFS guest's failures are otherwise only in its console log.
trx_failures() {
    awk -v max_lines="${2:-10}" '
        function decode(t) { gsub(/&lt;/, "<", t); gsub(/&gt;/, ">", t); gsub(/&quot;/, "\"", t); gsub(/&apos;/, "\047", t); gsub(/&amp;/, "\\&", t); return t }
        /<UnitTestResult / && / outcome="Failed"/ {
            failing = 1; name = $0
            sub(/.* testName="/, "", name); sub(/".*/, "", name)
            print "  FAILED " decode(name)
        }
        failing && /<Message>/ { in_message = 1; shown = 0; sub(/.*<Message>/, "") }
        in_message {
            ended = sub(/<\/Message>.*/, "")
            if (shown < max_lines) print "    " decode($0)
            else if (shown == max_lines) print "    ..."
            shown++
            if (ended) in_message = 0
        }
        /<\/UnitTestResult>/ { failing = 0; in_message = 0 }
    ' "$1"
}

passed=0 failed=0 skipped=0
summary=()
record() { summary+=("$(printf '%-32s %s' "$1" "$2")"); }
# Recorded and said at once: a log cut short (CI's limit) still shows each finished lane.
record_lane() { record "$1" "$2"; printf '%s\n' "${summary[-1]}"; }

# What can be made ahead, beside the build and the host lanes, at idle priority (SCHED_IDLE: only on a core nothing
# else wants; the scenario lane leaves about 45% of the machine idle waiting on zfs-fuse): the API lane's cached
# Debian root for its container (debootstrap, about 40 s on a fresh machine) and the OpenZFS lane's preparation
# (QEMU, the kernel and OpenZFS packages, the module build: about 4 minutes of both cores on a fresh machine). Both
# write only their caches under /var/cache/snapupgrade, never the checkout the lanes are reading, and both are made
# whole or not at all; whoever needs one first waits for it (debootstrap's lock) or makes it (lane.sh).
CACHES_JOB=
start_caches() {
    [[ $CAN_ROOT == false ]] && return
    local openzfs=true nspawn=true
    [[ ${OPENZFS_LANE:-on} == off ]] && openzfs=false
    [[ -x /usr/bin/systemd-nspawn && -x /usr/sbin/debootstrap ]] || nspawn=false
    [[ $openzfs == true || $nspawn == true ]] || return 0
    mkdir -p "$RESULTS"
    say "caches made beside the others, at idle priority:$([[ $nspawn == true ]] && echo " the container's Debian root,")$([[ $openzfs == true ]] && echo " the OpenZFS lane's preparation") ($RESULTS/caches.log)"
    (
        idle=(chrt --idle 0 nice -n 19 ionice -c 2 -n 7)
        status=0
        if [[ $nspawn == true ]]; then
            as_root "${idle[@]}" tests/SnapUpgrade.Tests.Api/Packaging/debian-rootfs.sh /var/cache/snapupgrade/nspawn \
                || { status=$?; echo "debian-rootfs.sh failed (exit $status): the API lane's container test makes the root itself"; }
        fi
        if [[ $openzfs == true ]]; then
            as_root env ${SNAPUPGRADE_OPENZFS_CACHE:+SNAPUPGRADE_OPENZFS_CACHE=$SNAPUPGRADE_OPENZFS_CACHE} \
                "${idle[@]}" tests/openzfs/lane.sh --prepare "$RESULTS/openzfs" || status=$?
        fi
        exit "$status"
    ) </dev/null >"$RESULTS/caches.log" 2>&1 &
    CACHES_JOB=$!
}
# Its status (the lane's own run repeats any step it left undone, and says why then); waits no longer than the budget.
wait_for_caches() {
    [[ -n $CACHES_JOB ]] || return 0
    local status=0 waited=$SECONDS
    while kill -0 "$CACHES_JOB" 2>/dev/null && [[ $(left_of_budget) -gt 600 ]]; do sleep 2; done
    kill -0 "$CACHES_JOB" 2>/dev/null && stop_caches
    wait "$CACHES_JOB" || status=$?
    CACHES_JOB=
    echo "the caches' job had ended $([[ $((SECONDS - waited)) -le 2 ]] && echo "before the lane" || echo "$((SECONDS - waited)) s into the lane") (exit $status):"
    tail -n 5 "$RESULTS/caches.log"
}
stop_caches() {
    [[ -n $CACHES_JOB ]] && kill -0 "$CACHES_JOB" 2>/dev/null || return 0
    as_root pkill -TERM -P "$CACHES_JOB" 2>/dev/null || true
    kill -TERM "$CACHES_JOB" 2>/dev/null || true
}

# The OpenZFS lane (issue 11): the real-ZFS test classes again, in a QEMU guest whose kernel runs
# OpenZFS (tests/openzfs/lane.sh; root: it installs QEMU and builds the module once per machine).
# Its TRX files are summed like the others; without root it skips loudly (fails in CI).
run_openzfs_lane() {
    local lane_started=$SECONDS dir=$RESULTS/openzfs status=0 trx counters total executed p f s
    say_lane "lane openzfs: tests/openzfs/lane.sh (QEMU, TCG; console log $dir/openzfs-console.log)"
    if [[ $build_ok == false ]]; then
        failed=$((failed + 1))
        record openzfs "FAILED: the solution does not build"
        return
    fi
    if [[ ${OPENZFS_LANE:-on} == off ]]; then
        warn "OPENZFS_LANE=off: the OpenZFS lane is not run"
        if [[ ${CI:-} == true ]]; then failed=$((failed + 1)); record openzfs "FAILED: OPENZFS_LANE=off in CI"
        else skipped=$((skipped + 1)); record openzfs "SKIPPED: OPENZFS_LANE=off"; fi
        return
    fi
    if [[ $CAN_ROOT == false ]]; then
        warn "the OpenZFS lane needs root (or sudo -n): it installs QEMU and builds the OpenZFS module"
        if [[ ${CI:-} == true ]]; then
            failed=$((failed + 1))
            record openzfs "FAILED: needs root in CI"
        else
            skipped=$((skipped + 1))
            record openzfs "SKIPPED: needs root"
        fi
        return
    fi
    wait_for_caches
    # The guest gets its own limit or what is left of the run's budget, whichever ends first; the lane's
    # preparation (packages, the module build on a fresh machine, the publish) counts against the budget too.
    local left
    left=$(left_of_budget)
    if [[ $left -lt 600 ]]; then
        failed=$((failed + 1))
        record_lane openzfs "FAILED: not run, $left s were left of the run's ${RUN_BUDGET} s budget"
        return
    fi
    [[ $left -lt ${SNAPUPGRADE_OPENZFS_TIMEOUT:-3300} ]] \
        && warn "the run has $left s left of its ${RUN_BUDGET} s budget: the OpenZFS lane must end within it"
    as_root env ${SNAPUPGRADE_OPENZFS_CACHE:+SNAPUPGRADE_OPENZFS_CACHE=$SNAPUPGRADE_OPENZFS_CACHE} \
        ${SNAPUPGRADE_OPENZFS_TIMEOUT:+SNAPUPGRADE_OPENZFS_TIMEOUT=$SNAPUPGRADE_OPENZFS_TIMEOUT} \
        SNAPUPGRADE_OPENZFS_DEADLINE=$((DEADLINE - 60)) \
        tests/openzfs/lane.sh "$dir" </dev/null || status=$?
    local found=0
    for trx in "$dir"/OpenZfs.*.trx; do
        [[ -f $trx ]] || continue
        counters=$(trx_counters "$trx")
        [[ $counters == missing ]] && continue
        read -r total executed p f <<<"$counters"
        s=$((total - executed)) found=$((found + 1))
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
        record "openzfs: $(basename "$trx" .trx | sed 's/^OpenZfs\.SnapUpgrade\.Tests\.//')" "$p passed, $f failed, $s skipped"
    done
    if [[ $found -eq 0 || $status -ne 0 ]]; then
        # a suite that wrote no TRX, a guest that crashed or timed out: never a silent pass
        failed=$((failed + 1))
        record openzfs "FAILED: exit $status, $found TRX file(s) ($dir/openzfs-console.log)"
    fi
    record_lane "openzfs lane" "$((SECONDS - lane_started)) s"
}

# In a function so bash reads the whole script before running it: editing test.sh during a run
# would otherwise change what the running shell reads next.
main() {
    say "SnapUpgrade tests$([[ ${CI:-} == true ]] && echo ' (CI: a missing real part fails its lane)')"
    command -v dotnet >/dev/null 2>&1 || { warn "the .NET SDK 10 (dotnet) is not installed; see README.md"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
    install_missing
    start_zfs_fuse
    zpool_answers && make_canary
    trap 'destroy_canary; stop_caches' EXIT

    mkdir -p "$RESULTS"
    # only what this script writes: TEST_RESULTS_DIR may point at a directory holding other things
    rm -rf "$RESULTS"/*.trx "$RESULTS"/*cleanup-failures.log "$RESULTS/benchmarks" "$RESULTS/benchmarks-smoke.log" "$RESULTS/format.log"
    start_caches

    say "build (dotnet build SnapUpgrade.sln -c $CONFIGURATION)"
    build_ok=true
    if ! dotnet build SnapUpgrade.sln -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly; then
        build_ok=false
        failed=$((failed + 1))
        record build "FAILED (the solution does not build; building each test project on its own)"
    fi

    # Layout and style drift fails CI (issue 10): the .editorconfig is the rule, dotnet format the judge.
    # Its whitespace and style passes only: the build above already fails on every analyzer warning,
    # so `dotnet format`'s third pass (analyzers) would be the same work again (~25 s of ~60).
    say "format (dotnet format whitespace|style SnapUpgrade.sln --verify-no-changes)"
    format_log=$RESULTS/format.log
    if timeout --kill-after=30 600 dotnet format whitespace SnapUpgrade.sln --verify-no-changes -v q >"$format_log" 2>&1 \
        && timeout --kill-after=30 600 dotnet format style SnapUpgrade.sln --verify-no-changes --no-restore -v q >>"$format_log" 2>&1; then
        passed=$((passed + 1))
        record format "passed"
    else
        failed=$((failed + 1))
        head -n 20 "$format_log"
        record format "FAILED: run \`dotnet format SnapUpgrade.sln\` and commit ($format_log)"
    fi

    mapfile -t projects < <(test_projects)
    local wedged_again=false
    for ((i = 0; i < ${#projects[@]}; i++)); do
        project=${projects[i]}
        lane=${project#SnapUpgrade.Tests.}
        say_lane "lane ${lane,,}: $project"
        lane_started=$SECONDS
        csproj=tests/$project/$project.csproj
        if [[ $build_ok == false ]] && ! dotnet build "$csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly; then
            failed=$((failed + 1))
            record "$project" "FAILED: does not build"
            continue
        fi
        # No lane runs past the run's budget: one that hung must not take the closing line with it.
        lane_limit=$(($(left_of_budget) - 60))
        if [[ $lane_limit -lt 60 ]]; then
            failed=$((failed + 1))
            record_lane "$project" "FAILED: not run, the run's ${RUN_BUDGET} s budget is spent"
            continue
        fi
        [[ $lane_limit -gt $LANE_TIMEOUT ]] && lane_limit=$LANE_TIMEOUT
        status=0
        zfs_fuse_ready
        lane_test=(timeout --kill-after=30 "$lane_limit" dotnet test "$csproj" -c "$CONFIGURATION" --no-build
            --logger "trx;LogFileName=$project.trx" --results-directory "$RESULTS")
        if [[ $ZFS_FUSE_SEEN == true ]]; then
            with_zfs_fuse_watchdog "${lane_test[@]}" </dev/null || status=$?
        else
            "${lane_test[@]}" </dev/null || status=$?
        fi
        trx=$RESULTS/$project.trx
        counters=$([[ -f $trx ]] && trx_counters "$trx" || echo missing)
        if [[ -s $RESULTS/cleanup-failures.log ]]; then
            warn "fixtures whose cleanup failed (xunit names only the class; the exceptions):"
            cat "$RESULTS/cleanup-failures.log" >&2
            mv "$RESULTS/cleanup-failures.log" "$RESULTS/$project.cleanup-failures.log"
        fi
        if [[ $status -eq 125 ]]; then
            # zfs-fuse (the lab's stand-in for a host's ZFS, not the product) deadlocked under the lane. Once
            # in a run the lane runs again from its start on a fresh daemon, and the summary says so; a
            # second time fails it. The first attempt's results are kept beside it as $project.wedged.trx.
            if [[ $wedged_again == false ]]; then
                wedged_again=true
                [[ -f $trx ]] && mv "$trx" "$RESULTS/$project.wedged.trx"
                record_lane "$project" "zfs-fuse stopped answering after $((SECONDS - lane_started)) s (printed above): the lane runs again"
                i=$((i - 1))
                continue
            fi
            failed=$((failed + 1))
            record_lane "$project" "FAILED: ended when zfs-fuse stopped answering ($((SECONDS - lane_started)) s; what it was doing is printed above)"
            continue
        fi
        if [[ $counters == missing ]]; then
            failed=$((failed + 1))
            record_lane "$project" "FAILED: no TRX (test host crashed or timed out, exit $status, $((SECONDS - lane_started)) s)"
            continue
        fi
        read -r total executed p f <<<"$counters"
        s=$((total - executed))
        if [[ $status -ne 0 && $f -eq 0 ]]; then
            f=1 # dotnet test failed without a failed test: a crash after the results were written
            record_lane "$project" "FAILED: exit $status without a failed test"
        fi
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
        record_lane "$project" "$p passed, $f failed, $s skipped ($((SECONDS - lane_started)) s)"
    done

    say_lane "benchmarks smoke: BenchmarkDotNet --job dry"
    zfs_fuse_ready
    bench_log=$RESULTS/benchmarks-smoke.log
    bench_status=0
    no_build=$([[ $build_ok == true ]] && echo --no-build || true)
    bench=(timeout --kill-after=30 600 dotnet run -c "$CONFIGURATION" --project tests/SnapUpgrade.Benchmarks $no_build --
        --job dry --filter '*' --artifacts "$RESULTS/benchmarks")
    if [[ $ZFS_FUSE_SEEN == true ]]; then
        with_zfs_fuse_watchdog "${bench[@]}" </dev/null >"$bench_log" 2>&1 || bench_status=$?
    else
        "${bench[@]}" </dev/null >"$bench_log" 2>&1 || bench_status=$?
    fi
    tail -n 25 "$bench_log"
    # BenchmarkDotNet exits 0 even when a benchmark fails or none is found: read what it says.
    if [[ $bench_status -ne 0 ]] || grep -Eq 'No \[Benchmark\] attribute found|returned 0 benchmarks|executed benchmarks: 0\b|Benchmarks with issues|// ERROR|ExitCode != 0' "$bench_log"; then
        failed=$((failed + 1))
        record_lane benchmarks-smoke "FAILED (exit $bench_status$([[ $bench_status -eq 125 ]] && echo ': zfs-fuse stopped answering'); $bench_log)"
    else
        passed=$((passed + 1))
        record_lane benchmarks-smoke "passed"
    fi

    run_openzfs_lane

    local trx failures=""
    for trx in "$RESULTS"/*.trx "$RESULTS"/openzfs/OpenZfs.*.trx; do
        [[ -f $trx && $trx != *.wedged.trx ]] && failures+=$(trx_failures "$trx" && echo)
    done
    if [[ -n $failures ]]; then
        say "failed tests (first lines of each message; the whole of it in the TRX files)"
        printf '%s\n' "$failures" | head -n 150
    fi
    for trx in "$RESULTS"/*.wedged.trx; do
        [[ -f $trx ]] || continue
        say "$(basename "$trx"): the attempt zfs-fuse ended (the lane ran again); its failed tests"
        trx_failures "$trx" 3 | head -n 40
    done
    say "summary (TRX files in $RESULTS)"
    printf '%s\n' "${summary[@]}"
    echo "wall time: $((SECONDS - STARTED)) s"
    echo "$passed passed, $failed failed, $skipped skipped"
    [[ $failed -eq 0 ]]
}

# One line: bash has read it whole before main starts, so nothing after it can be misread.
main "$@"; exit $?
