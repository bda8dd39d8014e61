#!/usr/bin/env bash
# Runs inside the VM (scripts/vm/run-in-vm.sh): the checks that need real DRM devices, udmabuf and
# DMA heaps, from the test build output (where vm-checks, the compositor and dmabuf-client sit).
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=""
for c in Release Debug; do
  [ -f "$repo/tests/Compositor.Tests/bin/$c/net10.0/vm-checks.dll" ] && bin="$repo/tests/Compositor.Tests/bin/$c/net10.0" && break
done
[ -n "$bin" ] || { echo "VM-CHECK FAIL setup: no build of vm-checks under $repo/tests/Compositor.Tests/bin"; exit 1; }
# virtio-gpu (the KMS card, with a GBM driver: kms_swrast) and vgem as modules; udmabuf and the
# system DMA heap are built into Debian's kernel.
modprobe virtio-gpu
modprobe vgem
modprobe virtio_input   # QEMU's virtual keyboard and mouse, as evdev nodes
modprobe evdev
# udev, as on any real system: libinput takes only devices udev has initialized.
/lib/systemd/systemd-udevd --daemon && udevadm trigger --action=add && udevadm settle --timeout=30
for card in /sys/class/drm/card[0-9]; do
  # vgem is the platform device "vgem"; the other card is virtio-gpu's.
  [ "$(basename "$(readlink "$card/device")")" != vgem ] && export GBM_DEVICE=/dev/dri/$(basename "$card") KMS_DEVICE=/dev/dri/$(basename "$card")
done
export HOME=/tmp DOTNET_CLI_HOME=/tmp DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "devices: GBM on ${GBM_DEVICE:-none}; $(ls /dev/dri | tr '\n' ' ')$(ls /dev/udmabuf 2>/dev/null) $(ls /dev/dma_heap 2>/dev/null | sed 's|^|dma_heap/|')"
status=0
# udmabuf and system-heap buffers: Mesa 25's llvmpipe imports them, then crashes sampling them, so
# on that renderer the compositor reads linear single-plane ones through a CPU mapping instead,
# and answers the rest (NV12) "failed", surviving it.
checks=("gem-handles" "dmabuf dumb xrgb8888" "dmabuf dumb argb8888" "dmabuf dumb nv12"
        "dmabuf udmabuf xrgb8888" "dmabuf udmabuf argb8888" "dmabuf dma-heap xrgb8888"
        "dmabuf gbm xrgb8888" "refused udmabuf nv12" "drm dumb xrgb8888" "drm-input" "drm-console" "drm-vt-switch" "drm-scanout")
# (virtio-gpu's own buffers, like GBM's above, are read through a mapping: llvmpipe crashes on them too.)
# "drm": the compositor drives virtio-gpu through KMS; the host checks the screendump it asks for.
# A file /run/vm-checks-only (one check per line, written by a wrapper script) narrows the run.
[ -f /run/vm-checks-only ] && mapfile -t checks < /run/vm-checks-only
for check in "${checks[@]}"; do
  dotnet "$bin/vm-checks.dll" $check 2>&1 || status=1
done
exit $status
