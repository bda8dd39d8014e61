#!/usr/bin/env bash
# Sets up and runs every test of the solution, then WLCS (the Wayland Conformance Test Suite)
# through our integration module with its summary per group, then prints one summary line.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh || exit 1
# setup.sh sets -e for itself; here a failing test run must still reach WLCS and the closing line.
set +e
log=$(mktemp)
dotnet test Compositor.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# WLCS's summary (also kept in artifacts/wlcs/summary.txt) ends with its own line.
tests/Wlcs/run.sh
wlcs_status=$?
[ "$status" -ne 0 ] || status=$wlcs_status
# dotnet test prints one line per test assembly; add them up into the closing line CI reads.
awk -v wlcs="$wlcs_status" '/(Passed|Failed)! +- Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped%s\n", p, f, s, wlcs == 0 ? "" : "; WLCS FAILED (see its summary above)" }' "$log"
rm -f "$log"
exit "$status"
