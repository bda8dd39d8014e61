#!/usr/bin/env bash
# Runs a script inside a throwaway QEMU guest whose kernel has what this machine's lacks: DRM
# (virtio-gpu KMS as card0, vgem as card1), udmabuf and DMA heaps. The guest sees this machine's
# root read-only under a tmpfs overlay, so the repository, its build output and dotnet are there.
# TCG only (no KVM); boots in seconds.
#
# Usage: scripts/vm/run-in-vm.sh GUEST_SCRIPT [WORKDIR]
#   GUEST_SCRIPT (an absolute path on this machine) runs as root under bash in the guest; its
#   output reaches the serial console, which is printed here and kept in WORKDIR/serial.log.
#   A line "VM-SCREENDUMP NAME" from the guest saves the virtual screen to WORKDIR/NAME.ppm; a line
#   "VM-INPUT COMMAND" types or moves through the virtual keyboard and mouse (virtio-input) with the
#   QEMU monitor: COMMAND is "sendkey KEYS", "mouse_move DX DY" or "mouse_button STATE", nothing else.
#   The exit status is the guest script's.
set -euo pipefail
guest=$(readlink -f "$1")
work=${2:-$(mktemp -d /var/tmp/compositor-vm.XXXXXX)}
mkdir -p "$work"
kernel_version=6.12.117+deb12-amd64
cache=${COMPOSITOR_VM_CACHE:-/var/cache/compositor-vm}
mkdir -p "$cache"

for pkg in qemu-system-x86 busybox-static cpio kmod xz-utils socat; do
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

# One boot: QEMU in the background while its console is printed as it comes and the guest's
# screendump and input requests are answered in order.
boot() {
  rm -f "$monitor" "$work/serial.log"
  qemu-system-x86_64 -accel tcg,thread=multi -m 3072 -smp 2 -display none -no-reboot \
    -serial "file:$work/serial.log" -monitor "unix:$monitor,server,nowait" \
    -vga none -device virtio-gpu-pci -device virtio-keyboard-pci -device virtio-mouse-pci \
    -kernel "$cache/root/boot/vmlinuz-$kernel_version" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 guest=$guest" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap &
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
            command="screendump $work/$name.ppm" ;;
          *)
            command=$(echo "$line" | sed 's/^VM-INPUT //' | grep -E '^(sendkey [a-z0-9_-]+|mouse_move -?[0-9]+ -?[0-9]+|mouse_button [0-7])$' || true) ;;
        esac
        [ -n "$command" ] && { echo "$command" | socat - "UNIX-CONNECT:$monitor" >/dev/null 2>&1 || true; }
      done
    fi
    sleep 0.5
  done
  wait "$qemu" || true
  total=$(wc -l < "$work/serial.log")
  [ "$total" -gt "$printed" ] && sed -n "$((printed + 1)),${total}p" "$work/serial.log" | tr -d '\r'
  return 0
}

# Under TCG the guest kernel now and then dies while booting (an oops patching its own code, before
# any of our code runs). Such a boot, with no sign of the guest script, is tried again.
for attempt in 1 2 3; do
  echo "vm: booting (TCG); the guest runs $guest" >&2
  boot
  grep -a -q "^VM-GUEST-START" "$work/serial.log" && break
  echo "vm: the guest kernel did not come up (attempt $attempt); booting again" >&2
done
status=$(grep -a -o "VM-GUEST-EXIT [0-9]*" "$work/serial.log" | tail -1 | awk '{print $2}')
exit "${status:-1}"
