#!/usr/bin/env bash
# Runs inside the GPU guest (scripts/vm/run-in-vm.sh --gpu: virtio-vga-gl, virgl): the checks of
# the 3D device and of our compositor's display on it, then weston 10 on the same device as the
# anchor to compare with (informational: "VM-INFO" lines, no check).
source "$(dirname "$0")/guest-setup.sh"
echo "devices: KMS on ${KMS_DEVICE:-none}, a second card ${SECOND_KMS_DEVICE:-none}; $(ls /dev/dri | tr '\n' ' ')"
status=0
checks=("gpu-devices" "gpu-drm-screen" "gpu-egl-client" "gpu-dmabuf-clients" "gpu-gl-apps" "gpu-feedback-scanout" "gpu-nested" "gpu-direct-scanout" "explicit-sync" "gpu-two-cards"
        "dmabuf gbm xrgb8888" "dmabuf gbm argb8888" "drm gbm xrgb8888" "drm gbm argb8888")
[ -f /run/vm-checks-only ] && mapfile -t checks < /run/vm-checks-only
for check in "${checks[@]}"; do
  dotnet "$bin/vm-checks.dll" $check 2>&1 || status=1
done

# weston's DRM backend with its GL renderer and weston-simple-egl (EGL on Wayland, GLES drawing on
# virgl) for a few seconds: which renderer it picked, and whether the demo drew frames.
weston_info() {
  export XDG_RUNTIME_DIR=/run/weston; mkdir -p -m 700 "$XDG_RUNTIME_DIR"
  printf '[core]\nidle-time=0\nrequire-input=false\n[shell]\npanel-position=none\n' > /tmp/weston.ini
  weston --backend=drm-backend.so --tty=2 --socket=weston-vm -c /tmp/weston.ini --log=/tmp/weston.log &
  local weston=$!
  for _ in $(seq 150); do [ -S "$XDG_RUNTIME_DIR/weston-vm" ] && break; kill -0 "$weston" 2>/dev/null || break; sleep 0.2; done
  if [ ! -S "$XDG_RUNTIME_DIR/weston-vm" ]; then
    echo "VM-INFO weston: did not start; its log:"; tail -20 /tmp/weston.log; return
  fi
  WAYLAND_DISPLAY=weston-vm timeout -s INT 12 weston-simple-egl -f > /tmp/simple-egl.log 2>&1 &
  local demo=$!
  sleep 8
  echo "VM-SCREENDUMP weston-simple-egl"
  wait "$demo"
  grep -E "GL renderer|GL version|EGL version|Using .*renderer|DRM: head" /tmp/weston.log | sed 's/^/VM-INFO weston: /'
  grep -E "frames in" /tmp/simple-egl.log | tail -2 | sed 's/^/VM-INFO weston-simple-egl: /'
  kill "$weston" 2>/dev/null; wait "$weston" 2>/dev/null
}
[ -f /run/vm-checks-only ] || weston_info
exit $status
