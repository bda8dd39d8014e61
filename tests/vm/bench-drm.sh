#!/usr/bin/env bash
# A benchmark in the VM (not part of the tests): compositor CPU per frame on the DRM backend with
# direct scanout and with composition. Run: scripts/vm/run-in-vm.sh tests/vm/bench-drm.sh
echo "bench-drm" > /run/vm-checks-only
exec bash "$(dirname "$0")/guest-checks.sh"
