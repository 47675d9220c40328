#!/usr/bin/env bash
# Issue 13's load run: builds tests/SnapUpgrade.Scale and runs it. For each host (default: the
# simulator at 3, 1000 and 10,000 BEs, zfs-fuse at 3 and 1000, each with 10 snapshots of every BE) it
# starts the console as a process of its own, measures it with nobody watching for 60 s, opens 10
# Chromium pages on the Boot environments page (one login each, each timed), measures 60 s more, makes
# 3 BEs through the API one after another, each until all 10 pages show it, activates each of them and
# then be1 again (each timed until the API answers), and prints a Markdown table
# of the figures.
# zfs-fuse hosts need root and the daemon (started when missing); their pools are suload<hex>, under
# /tmp/snapupgrade-tests, destroyed at the end. Takes about 20 minutes with the defaults.
#
# Arguments go to the program: --hosts simulated:1000,zfs-fuse:1000 --snapshots 10 --pages 10 --seconds 60 --creates 3
# Environment: SNAPUPGRADE_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build tests/SnapUpgrade.Scale/SnapUpgrade.Scale.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >&2
exec dotnet tests/SnapUpgrade.Scale/bin/Release/net10.0/SnapUpgrade.Scale.dll "$@"
