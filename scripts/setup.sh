#!/usr/bin/env bash
# Installs what building, running and testing the compositor needs on Debian 12 (bookworm), as root.
# Idempotent and quiet when everything is already there.
set -euo pipefail

# Debian packages: the reference compositor, real clients the tests run against (weston's demos,
# grim for screenshots, foot, wl-clipboard), libxkbcommon for keymaps, EGL/GLES, pixman (the CPU
# renderer, --renderer pixman), libinput and udev
# (the DRM backend's input; libinput takes only devices udev has seen), and what the VM harness
# (scripts/vm/run-in-vm.sh) boots a kernel with DRM with: QEMU and an initramfs's tools; for its
# GPU mode (--gpu: virgl) QEMU's GL display device and SDL (qemu-system-gui, libvirglrenderer1), a
# private X screen for QEMU's window (xvfb), xwd and xwininfo to save that window (x11-apps,
# x11-utils, python3 for the converter), eglinfo and es2gears_wayland (mesa-utils) and
# glmark2-es2-wayland, which the GPU guest checks run.
# afl++ runs the coverage-guided fuzzer (scripts/fuzz-afl.sh, tests/Wayland.Fuzz).
# wev prints the keysyms a client sees (the config's keyboard layout tests). libxcursor1 loads the
# pointer's XCursor theme; adwaita-icon-theme is the default theme. libcairo2 draws the server-side
# title bars; libsdl2-tests is a real client that asks for them (testsprite2). desktop-file-utils
# checks the session file. libseat1 and seatd: the DRM backend's session as an ordinary user (the
# VM check runs it so); libudev1: hotplug. wlcs is the Wayland Conformance Test Suite; gcc, libc6-dev, pkg-config
# and libwayland-dev build its integration module (tests/Wlcs/). alacritty, swaybg, wlr-randr, swayidle
# and libwlroots-examples (foreign-toplevel, idle-inhibit, keyboard-shortcuts-inhibit) and swaylock (session lock) are the real
# clients of the newer protocols' tests. xwayland runs X11 programs; libxcb and its composite, xfixes and
# cursor libraries are what our X11 window manager talks to it with; xterm, xclip, gtk-3-examples
# (gtk3-demo), x11-apps (xeyes, xclock), x11-utils (xev) and mesa-utils (glxgears) are the X
# programs its tests run.
PACKAGES=(weston wayland-utils libwayland-client0 libwayland-server0 procps grim foot wl-clipboard
          fonts-dejavu-core libxkbcommon0 xkb-data libegl1 libgles2 libpixman-1-0 libinput10 udev
          qemu-system-x86 busybox-static cpio kmod xz-utils socat afl++
          qemu-system-gui libvirglrenderer1 xvfb x11-apps x11-utils python3 mesa-utils glmark2-es2-wayland
          wev libxcursor1 adwaita-icon-theme libcairo2 libsdl2-tests desktop-file-utils
          libseat1 seatd libudev1 wlcs gcc libc6-dev libwayland-dev pkg-config
          alacritty swaybg wlr-randr swayidle libwlroots-examples swaylock
          xwayland libxcb1 libxcb-composite0 libxcb-xfixes0 libxcb-cursor0 xterm xclip gtk-3-examples)
# Mesa 25 from bookworm-backports: llvmpipe on the EGL surfaceless platform with DMA-BUF import.
# bookworm's Mesa 22 lacks it.
BACKPORTS=(libegl-mesa0 libgbm1 libgl1-mesa-dri mesa-libgallium)
MESA_MIN=25

need_apt=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done

need_backports=()
mesa=$(dpkg-query -W -f='${Version}' libegl-mesa0 2>/dev/null || true)
if [ "${mesa%%.*}" != "" ] && [ "${mesa%%.*}" -ge "$MESA_MIN" ] 2>/dev/null; then :; else need_backports=("${BACKPORTS[@]}"); fi

if [ ${#need_apt[@]} -gt 0 ] || [ ${#need_backports[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${need_apt[*]} (run this script as root, or install them)" >&2
    exit 1
  fi
  # bookworm-backports carries Mesa 25 and wayland-protocols 1.43 that later parts of the project use.
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding bookworm-backports to apt sources"
    cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  echo "setup: installing ${need_apt[*]} ${need_backports[*]} (apt-get, this takes a minute)"
  apt-get update -qq
  if [ ${#need_apt[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
  if [ ${#need_backports[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports "${need_backports[@]}" >/dev/null
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH); Debian does not package it." >&2
  echo "       Install it from https://dot.net (dotnet-install.sh or Microsoft's apt repository) and re-run." >&2
  exit 1
fi

# Wayland sockets live in XDG_RUNTIME_DIR; a root shell on a TTY or in CI often has none.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="/tmp/xdg-runtime-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  echo "setup: XDG_RUNTIME_DIR was unset; using $XDG_RUNTIME_DIR"
fi
