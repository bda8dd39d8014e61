#!/usr/bin/env bash
# The main job's client side, run by the compositor (`./run.sh` with no arguments): our DMA-BUF
# sample client and real clients from Debian draw for a few seconds (shm, EGL on llvmpipe,
# subsurfaces), then grim takes a screenshot through zwlr_screencopy_manager_v1.
set -euo pipefail
out=${DEMO_SCREENSHOT:-screenshot.png}
pids=()
dotnet "$(dirname "$0")/../Clients/DmabufClient/bin/Release/net10.0/dmabuf-client.dll" --size 320x240 & pids+=($!)
sleep 1
weston-simple-shm & pids+=($!)
sleep 0.5
weston-simple-egl & pids+=($!)
sleep 0.5
weston-subsurfaces & pids+=($!)
sleep "${DEMO_SECONDS:-3}"
grim "$out"
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
echo "demo: wrote $out ($(wayland-info 2>/dev/null | grep -m1 -o 'width: [0-9]* px, height: [0-9]* px' || echo 'output'))" >&2
