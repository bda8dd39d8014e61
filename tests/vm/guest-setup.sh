# Sourced by the guest scripts (guest-checks.sh, gpu-checks.sh) inside the VM: finds the test build
# output (where vm-checks, the compositor and the clients sit), loads the DRM and input drivers,
# starts udev, and names the display card.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=""
for c in Release Debug; do
  [ -f "$repo/tests/Compositor.Tests/bin/$c/net10.0/vm-checks.dll" ] && bin="$repo/tests/Compositor.Tests/bin/$c/net10.0" && break
done
[ -n "$bin" ] || { echo "VM-CHECK FAIL setup: no build of vm-checks under $repo/tests/Compositor.Tests/bin"; exit 1; }
# virtio-gpu (the KMS card: 2D with a GBM driver of kms_swrast, or virgl in GPU mode) and vgem as
# modules; udmabuf and the system DMA heap are built into Debian's kernel.
modprobe virtio-gpu
modprobe vgem
modprobe virtio_input   # QEMU's virtual keyboard and mouse, as evdev nodes
modprobe evdev
# udev, as on any real system: libinput takes only devices udev has initialized.
/lib/systemd/systemd-udevd --daemon && udevadm trigger --action=add && udevadm settle --timeout=30
# vgem is the platform device "vgem"; the others are virtio-gpu's: the first (the virgl one in GPU
# mode) is the display the checks drive, a second one (GPU mode: a 2D card) SECOND_KMS_DEVICE.
for card in /sys/class/drm/card[0-9]; do
  [ "$(basename "$(readlink "$card/device")")" = vgem ] && continue
  if [ -z "${KMS_DEVICE:-}" ]; then export GBM_DEVICE=/dev/dri/$(basename "$card") KMS_DEVICE=/dev/dri/$(basename "$card")
  elif [ -z "${SECOND_KMS_DEVICE:-}" ]; then export SECOND_KMS_DEVICE=/dev/dri/$(basename "$card")
  fi
done
export HOME=/tmp DOTNET_CLI_HOME=/tmp DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
