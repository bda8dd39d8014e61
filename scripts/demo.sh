#!/usr/bin/env bash
# The main job's client side, run by the compositor (`./run.sh` with no arguments): our DMA-BUF
# sample client and real clients from Debian draw for a few seconds (shm, EGL on llvmpipe,
# subsurfaces), then grim takes a screenshot through zwlr_screencopy_manager_v1.
# Every wait is bounded: the main job must end even if a client or the compositor stops answering.
set -euo pipefail
out=${DEMO_SCREENSHOT:-screenshot.png}
pids=()

# SIGTERM, up to 5 s for the clients to go, then SIGKILL for any still there.
stop_clients() {
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "demo: client $p did not exit 5 s after SIGTERM; killing it" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
}
trap stop_clients EXIT

dotnet "$(dirname "$0")/../Clients/DmabufClient/bin/Release/net10.0/dmabuf-client.dll" --size 320x240 & pids+=($!)
sleep 1
weston-simple-shm & pids+=($!)
sleep 0.5
weston-simple-egl & pids+=($!)
sleep 0.5
weston-subsurfaces & pids+=($!)
sleep "${DEMO_SECONDS:-3}"
timeout 20 grim "$out"
stop_clients
size=$(timeout 5 wayland-info 2>/dev/null | grep -m1 -o 'width: [0-9]* px, height: [0-9]* px' || echo 'output')
echo "demo: wrote $out ($size)" >&2
