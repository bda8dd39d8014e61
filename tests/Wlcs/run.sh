#!/usr/bin/env bash
# Runs WLCS, the Wayland Conformance Test Suite (Debian's wlcs 1.5.0), against the compositor
# through our integration module (integration.c), and prints a summary per test group: passed,
# failed, skipped (a protocol we do not advertise), and expected failures, each with its reason
# from expected-failures.txt. Exits non-zero on a failure that is not expected, or an expected
# failure that passed (the list stays honest). Results are kept in artifacts/wlcs/ (the log, the
# gtest XML, summary.txt).
#   tests/Wlcs/run.sh [--shards N] [GTEST_FILTER]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh
shards=2
if [ "${1:-}" = "--shards" ]; then shards=$2; shift 2; fi
filter=${1:-*}
out=artifacts/wlcs
rm -rf "$out" && mkdir -p "$out/build"

echo "wlcs: building the compositor and the integration module" >&2
dotnet build Compositor/Host -c Release -v quiet -nologo >&2
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o "$out/build/integration.so" tests/Wlcs/integration.c \
    $(pkg-config --cflags --libs wayland-client) -lpthread

runner=$(pkg-config --variable=test_runner wlcs)
export WLCS_COMPOSITOR=$PWD/Compositor/Host/bin/Release/net10.0/compositor.dll
export XDG_RUNTIME_DIR=$(mktemp -d /tmp/wlcs-runtime.XXXXXX)
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
chmod 700 "$XDG_RUNTIME_DIR"

# Shards run side by side, each its own wlcs process (a new compositor per test either way).
"$runner" "$out/build/integration.so" --gtest_list_tests --gtest_filter="$filter" > "$out/tests.txt"
echo "wlcs: running $(grep -c '^  ' "$out/tests.txt") tests in $shards shards (a compositor per test; a few minutes)" >&2
pids=()
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i WLCS_COMPOSITOR_LOG="$out/compositor-$i.log" \
    timeout 1500 "$runner" "$out/build/integration.so" --gtest_filter="$filter" --gtest_output="xml:$out/wlcs-$i.xml" \
    > "$out/wlcs-$i.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

exec python3 tests/Wlcs/summary.py tests/Wlcs/expected-failures.txt "$out" "$out"/wlcs-*.log
