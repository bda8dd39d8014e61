#!/usr/bin/env bash
# A benchmark in the virgl VM (not part of the tests): ours on the DRM backend against weston 10's
# DRM backend with its GL renderer, same boot, same clients (weston-simple-egl windowed and
# fullscreen, glmark2-es2-wayland): compositor CPU per frame, client fps, commit-to-present latency.
# Run: scripts/vm/run-in-vm.sh --gpu tests/vm/bench-gpu.sh
echo "bench-gpu" > /run/vm-checks-only
exec bash "$(dirname "$0")/gpu-checks.sh"
