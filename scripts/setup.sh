#!/usr/bin/env bash
# Installs what building, running and testing the compositor needs on Debian 12 (bookworm), as root.
# Idempotent and quiet when everything is already there.
set -euo pipefail

# Debian packages: the reference compositor and real clients the tests run against.
PACKAGES=(weston wayland-utils libwayland-client0 libwayland-server0 procps)

need_apt=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done

if [ ${#need_apt[@]} -gt 0 ]; then
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
  echo "setup: installing ${need_apt[*]} (apt-get, this takes a minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
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
