#!/usr/bin/env bash
# A benchmark in the 2D VM (not part of the tests): compositor CPU per frame on the DRM backend with
# direct scanout and with composition (bench-drm), and ours (pixman into the dumb buffers) against
# weston 10's pixman and GL renderers with a fullscreen weston-simple-egl (bench-cpu).
# Run: scripts/vm/run-in-vm.sh tests/vm/bench-drm.sh
printf '%s\n' bench-drm bench-cpu > /run/vm-checks-only
exec bash "$(dirname "$0")/guest-checks.sh"
