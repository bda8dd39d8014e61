#!/usr/bin/env bash
# A benchmark in the virgl VM (not part of the tests): a fullscreen GPU client (dmabuf-client's GBM
# buffers) on ours scanning it out directly, on ours compositing it (--no-direct-scanout) and on
# weston 10's GL renderer: compositor CPU per frame, client fps, commit-to-present latency.
# Run: scripts/vm/run-in-vm.sh --gpu tests/vm/bench-scanout.sh
echo "bench-scanout" > /run/vm-checks-only
exec bash "$(dirname "$0")/gpu-checks.sh"
