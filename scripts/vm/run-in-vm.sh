#!/usr/bin/env bash
# Runs a script inside a throwaway QEMU guest whose kernel has what this machine's lacks: DRM
# (virtio-gpu KMS as card0, vgem as card1), udmabuf and DMA heaps. The guest sees this machine's
# root read-only under a tmpfs overlay, so the repository, its build output and dotnet are there.
# TCG only (no KVM); boots in seconds.
#
# Usage: scripts/vm/run-in-vm.sh [--gpu] GUEST_SCRIPT [WORKDIR]
#   GUEST_SCRIPT (an absolute path on this machine) runs as root under bash in the guest; its
#   output reaches the serial console, which is printed here and kept in WORKDIR/serial.log.
#   A line "VM-SCREENDUMP NAME [DEVICE]" from the guest saves the virtual screen (of the QEMU display
#   device with that id, if named) to WORKDIR/NAME.ppm, and is
#   answered "VM-SCREENDUMP-DONE NAME" on the guest's second serial port (ttyS1) once saved, so the
#   guest keeps the screen as it is until then (VmChecks' Screendump); a line
#   "VM-INPUT COMMAND" types or moves through the virtual keyboard and mouse (virtio-input) with the
#   QEMU monitor: COMMAND is "sendkey KEYS", "mouse_move DX DY" or "mouse_button STATE", or plugs a
#   keyboard in or out ("device_add virtio-keyboard-pci,id=ID", "device_del ID"), nothing else.
#   "VM-SCREENDUMP NAME DEVICE HEAD" saves one head of a display device with several (the 2D
#   virtio-gpu, id gpu0, has two; the second starts disconnected, for hotplug checks).
#   The exit status is the guest script's.
#
# GPU mode (--gpu, or VM_GPU=virgl in the environment): a 3D-capable virtio-gpu (virtio-vga-gl,
# virgl) instead of the 2D one, so the guest has card0 and renderD128 with Mesa's virtio_gpu
# driver (GBM, EGL on GBM), and a 2D virtio-gpu beside it (card1) for two-GPU checks. QEMU's
# virglrenderer needs a host GL context: QEMU shows its window
# with "-display sdl,gl=on" on a private Xvfb (Mesa's llvmpipe draws it), started here on a free
# display and stopped at the end. QEMU's screendump answers "Error: no surface" while a virgl
# buffer is on screen, so in this mode VM-SCREENDUMP saves the QEMU window from the Xvfb screen
# (xwd, cut to the window by scripts/vm/xwd-to-ppm.py); QEMU's stderr goes to WORKDIR/qemu.log.
set -euo pipefail
gpu=${VM_GPU:-}
[ "${1:-}" = --gpu ] && { gpu=virgl; shift; }
case "$gpu" in ""|virgl) ;; *) echo "vm: VM_GPU=$gpu: only 'virgl' is known" >&2; exit 2 ;; esac
guest=$(readlink -f "$1")
work=${2:-$(mktemp -d /var/tmp/compositor-vm.XXXXXX)}
mkdir -p "$work"
kernel_version=6.12.117+deb12-amd64
cache=${COMPOSITOR_VM_CACHE:-/var/cache/compositor-vm}
mkdir -p "$cache"

packages=(qemu-system-x86 busybox-static cpio kmod xz-utils socat)
# The virgl device (hw-display-virtio-gpu-gl) and SDL are in qemu-system-gui; Xvfb gives SDL a
# screen; xwd (x11-apps) and xwininfo (x11-utils) save the QEMU window from it.
# The guest shares this root: eglinfo (mesa-utils) there is for its checks of EGL on virgl.
[ -n "$gpu" ] && packages+=(qemu-system-gui libvirglrenderer1 xvfb x11-apps x11-utils python3 mesa-utils)
for pkg in "${packages[@]}"; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    echo "vm: installing $pkg" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
  fi
done

# The kernel and its modules, unpacked once.
if [ ! -f "$cache/root/boot/vmlinuz-$kernel_version" ]; then
  echo "vm: fetching linux-image-$kernel_version" >&2
  (cd "$cache" && apt-get download "linux-image-$kernel_version" >/dev/null && dpkg -x linux-image-"${kernel_version}"_*.deb root \
     && depmod -b root "$kernel_version")
fi

# A tiny initramfs: mount the host over 9p, put a tmpfs overlay on it, chroot, run the script.
# Named after this script's content, so a changed init is rebuilt rather than served stale.
initrd=$cache/initrd-$kernel_version-$(md5sum "$0" | cut -c1-12).gz
if [ ! -f "$initrd" ]; then
  echo "vm: building the initramfs" >&2
  dir=$(mktemp -d)
  mkdir -p "$dir"/{bin,dev,proc,sys,host,upper,root,modules}
  cp /bin/busybox "$dir/bin/"
  for applet in sh mount insmod mkdir chroot; do ln -s busybox "$dir/bin/$applet"; done
  modules=$cache/root/lib/modules/$kernel_version/kernel
  for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay; do
    xz -dc "$modules/$m.ko.xz" > "$dir/modules/$(basename "$m").ko"
  done
  cat > "$dir/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in netfs 9pnet 9pnet_virtio 9p overlay; do insmod /modules/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 host /host
mount -t tmpfs tmpfs /upper; mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work /root
mount -t proc proc /root/proc; mount -t sysfs sys /root/sys; mount -t devtmpfs dev /root/dev
mkdir -p /root/dev/pts /root/dev/shm; mount -t devpts devpts /root/dev/pts; mount -t tmpfs tmpfs /root/dev/shm
mount -t tmpfs tmpfs /root/run
exec chroot /root /bin/bash -c 'mkdir -p /lib/modules; mount --bind $cache/root/lib/modules /lib/modules
for a in \$(cat /proc/cmdline); do case \$a in guest=*) g=\${a#guest=};; esac; done
echo VM-GUEST-START; bash \$g; echo "VM-GUEST-EXIT \$?"; poweroff -f'
INIT
  chmod +x "$dir/init"
  (cd "$dir" && find . | cpio -o -H newc 2>/dev/null | gzip > "$initrd")
  rm -rf "$dir"
fi

monitor=$work/monitor.sock
# The guest's ttyS1: the harness answers each screendump there once it is saved.
ack=$work/ack.sock
here=$(dirname "$(readlink -f "$0")")

# GPU mode: the display QEMU draws on (GL through Mesa on the host) and its command line.
xvfb=""
if [ -n "$gpu" ]; then
  # -displayfd: Xvfb picks a free display number itself and writes it once it accepts clients,
  # so two harnesses at once cannot race for one.
  rm -f "$work/xvfb.display"
  # -cc 4: TrueColor as the default visual, so the dump holds plain RGB pixels (not DirectColor).
  Xvfb -displayfd 3 -screen 0 1920x1200x24 -cc 4 -nolisten tcp 3>"$work/xvfb.display" >"$work/xvfb.log" 2>&1 &
  xvfb=$!
  trap 'kill "$xvfb" 2>/dev/null || true' EXIT
  for _ in $(seq 300); do [ -s "$work/xvfb.display" ] && break; sleep 0.1; done
  [ -s "$work/xvfb.display" ] || { echo "vm: Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
  export DISPLAY=:$(tr -dc 0-9 < "$work/xvfb.display")
  # A 2D virtio-gpu beside it, for two-GPU checks (render on virgl, display on both): smaller, so
  # the virgl window is the largest QEMU window; its screen is dumped by QEMU itself ("-d card2d").
  display_args=(-display sdl,gl=on -vga none -parallel none -device virtio-vga-gl -device virtio-gpu-pci,id=card2d,xres=1024,yres=768)
else
  # Two heads: the second starts disconnected; the guest forces it on and off to test hotplug.
  display_args=(-display none -vga none -device virtio-gpu-pci,id=gpu0,max_outputs=2)
fi

# VM-SCREENDUMP in GPU mode: the QEMU window (its viewable top-level named "QEMU...") cut out of
# a dump of the whole X screen.
xscreen_dump() {
  local out=$1 id geometry="" best=0 window="" w h x y
  for id in $(xwininfo -root -tree | awk '/"QEMU/ {print $1}'); do
    read -r w h x y < <(xwininfo -id "$id" | awk '/Absolute upper-left X/ {x=$4} /Absolute upper-left Y/ {y=$4}
      /Width:/ {w=$2} /Height:/ {h=$2} /Map State:/ {v=$3} END {if (v == "IsViewable") print w, h, x, y; else print 0, 0, 0, 0}')
    [ "$((w * h))" -gt "$best" ] && { best=$((w * h)); geometry="$x $y $w $h"; window=$id; }
  done
  [ -n "$geometry" ] || { echo "vm: screendump: no QEMU window on $DISPLAY" >&2; return 0; }
  # The windows of other display devices (a second card) open over this one: it goes on top, and
  # QEMU gets a moment to redraw what they covered.
  if [ "$(xwininfo -root -tree | grep -c '"QEMU')" -gt 1 ]; then
    python3 "$here/x-raise.py" "$window" && sleep 1
  fi
  # shellcheck disable=SC2086  # geometry is four numbers
  echo "vm: screendump $(basename "$out"): the QEMU window at ${geometry// /,} (x,y,w,h) on the X screen" >&2
  # (A dump that cannot be converted is kept, to look at.)
  xwd -root -silent > "$out.xwd" && python3 "$here/xwd-to-ppm.py" "$out.xwd" "$out" $geometry && rm -f "$out.xwd" \
    || echo "vm: screendump $out failed" >&2
}

# One boot: QEMU in the background while its console is printed as it comes and the guest's
# screendump and input requests are answered in order.
boot() {
  rm -f "$monitor" "$ack" "$work/serial.log"
  # (Appending, so that reopening the harness's own stderr never truncates a file behind it.)
  local stderr=/dev/stderr
  [ -n "$gpu" ] && { stderr=$work/qemu.log; : > "$stderr"; }
  qemu-system-x86_64 -accel tcg,thread=multi -m 3072 -smp 2 -no-reboot \
    -serial "file:$work/serial.log" -chardev "socket,id=ack,path=$ack,server=on,wait=off" -serial chardev:ack \
    -monitor "unix:$monitor,server,nowait" \
    "${display_args[@]}" -device virtio-keyboard-pci -device virtio-mouse-pci \
    -kernel "$cache/root/boot/vmlinuz-$kernel_version" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 guest=$guest" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap 2>>"$stderr" &
  local qemu=$! printed=0 requests=0 total n line name command
  while kill -0 "$qemu" 2>/dev/null; do
    if [ -f "$work/serial.log" ]; then
      total=$(wc -l < "$work/serial.log")
      if [ "$total" -gt "$printed" ]; then
        sed -n "$((printed + 1)),${total}p" "$work/serial.log" | tr -d '\r'
        printed=$total
      fi
      n=$(grep -a -c -E "^VM-(SCREENDUMP|INPUT) " "$work/serial.log" || true)
      while [ "$requests" -lt "$n" ]; do
        requests=$((requests + 1))
        line=$(grep -a -E "^VM-(SCREENDUMP|INPUT) " "$work/serial.log" | sed -n "${requests}p" | tr -d '\r')
        case "$line" in
          "VM-SCREENDUMP "*)
            name=$(echo "$line" | awk '{print $2}' | tr -dc 'A-Za-z0-9_-')
            device=$(echo "$line" | awk '{print $3}' | tr -dc 'A-Za-z0-9_-')
            head=$(echo "$line" | awk '{print $4}' | tr -dc '0-9')
            command="screendump $work/$name.ppm${device:+ $device}${device:+${head:+ $head}}"
            [ -n "$gpu" ] && [ -z "$device" ] && { xscreen_dump "$work/$name.ppm"; command=""; } ;;
          *)
            command=$(echo "$line" | sed 's/^VM-INPUT //' | grep -E '^(sendkey [a-z0-9_-]+|mouse_move -?[0-9]+ -?[0-9]+|mouse_button [0-7]|device_add virtio-keyboard-pci,id=[a-z0-9]+|device_del [a-z0-9]+)$' || true) ;;
        esac
        [ -n "$command" ] && { echo "$command" | socat - "UNIX-CONNECT:$monitor" >/dev/null 2>&1 || true; }
        case "$line" in
          "VM-SCREENDUMP "*) echo "VM-SCREENDUMP-DONE $name" | socat - "UNIX-CONNECT:$ack" >/dev/null 2>&1 || true ;;
        esac
      done
    fi
    sleep 0.5
  done
  wait "$qemu" || true
  total=$(wc -l < "$work/serial.log")
  [ "$total" -gt "$printed" ] && sed -n "$((printed + 1)),${total}p" "$work/serial.log" | tr -d '\r'
  [ -n "$gpu" ] && [ -s "$work/qemu.log" ] && { echo "vm: QEMU's stderr:" >&2; cat "$work/qemu.log" >&2; }
  return 0
}

# Under TCG the guest kernel now and then dies while booting (an oops patching its own code, before
# any of our code runs). Such a boot, with no sign of the guest script, is tried again.
# The same flaw (an int3 oops in the kernel's text patching) can also strike later, in a process
# of the guest script's: such a run says nothing of our code either, and the script runs again
# from a fresh boot. (Readers of this output take what follows the last VM-GUEST-START.)
for attempt in 1 2 3; do
  echo "vm: booting (TCG${gpu:+, virgl GPU on $DISPLAY}); the guest runs $guest" >&2
  boot
  if ! grep -a -q "^VM-GUEST-START" "$work/serial.log"; then
    echo "vm: the guest kernel did not come up (attempt $attempt); booting again" >&2
  elif grep -a -q "Oops: int3" "$work/serial.log"; then
    echo "vm: the guest kernel hit TCG's int3 text-patching oops (attempt $attempt); running the guest script again" >&2
  else
    break
  fi
done
status=$(grep -a -o "VM-GUEST-EXIT [0-9]*" "$work/serial.log" | tail -1 | awk '{print $2}')
exit "${status:-1}"
