#!/usr/bin/env bash
# Coverage-guided fuzzing of the wire runtime and every dispatcher with afl++ (README.md, "Fuzzing").
#   scripts/fuzz-afl.sh [SECONDS] [FINDINGS_DIR]
# SECONDS 0 (the default) runs until Ctrl-C. Builds the wire target, instruments copies of
# Wayland.Protocols.dll and Compositor.Core.dll with SharpFuzz, runs afl-fuzz on the corpus in
# tests/Wayland.Fuzz/corpus/wire and prints afl's figures. Exit status 1 when afl saved a crash or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-0}
findings=${2:-${TMPDIR:-/tmp}/wayland-fuzz-afl}

command -v afl-fuzz >/dev/null || { echo "fuzz-afl: afl-fuzz is missing (scripts/setup.sh installs afl++)" >&2; exit 1; }
dotnet tool restore >/dev/null
# WAYLAND_FUZZ_BIN: an existing build of the target (the xunit smoke test passes its own output).
bin=${WAYLAND_FUZZ_BIN:-}
if [ -z "$bin" ]; then
  dotnet build tests/Wayland.Fuzz/Wayland.Fuzz.csproj -c Release --nologo -v q >/dev/null
  bin=tests/Wayland.Fuzz/bin/Release/net10.0
fi

# Instrument copies: the build output stays uninstrumented for the tests and for replays.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$bin/." "$work/"
for dll in Wayland.Protocols.dll Compositor.Core.dll; do
  dotnet sharpfuzz "$work/$dll" >/dev/null
done

# dotnet is not an afl-instrumented binary (SharpFuzz reports coverage from managed code); afl's
# crash and CPU checks are for native targets and a tuned machine.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
       AFL_NO_AFFINITY=1 AFL_SHUFFLE_QUEUE=0 AFL_FORKSRV_INIT_TMOUT=60000
rm -rf "$findings" "$findings.crashes.log"
export WAYLAND_FUZZ_CRASH_LOG="$findings.crashes.log"
limit=()
[ "$seconds" != 0 ] && limit=(-V "$seconds")
afl-fuzz -i tests/Wayland.Fuzz/corpus/wire -o "$findings" -t 5000 -m none "${limit[@]}" \
  -- dotnet "$work/Wayland.Fuzz.dll" afl >"$findings.log" 2>&1 || { tail -30 "$findings.log" >&2; exit 1; }

stats="$findings/default/fuzzer_stats"
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "afl: $(get execs_done) execs in $(get run_time) s ($(get execs_per_sec) execs/s), corpus $(get corpus_count)" \
     "(seeds $(get corpus_found) found), edges $(get edges_found), bitmap $(get bitmap_cvg), stability $(get stability)," \
     "crashes $(get saved_crashes), hangs $(get saved_hangs); findings in $findings"
if [ "$(get saved_crashes)" != 0 ] || [ "$(get saved_hangs)" != 0 ]; then
  echo "fuzz-afl: afl saved crashes or hangs (the exceptions are in $findings.crashes.log); replay them with:" >&2
  echo "  dotnet tests/Wayland.Fuzz/bin/Release/net10.0/Wayland.Fuzz.dll replay $findings/default/crashes $findings/default/hangs" >&2
  exit 1
fi
