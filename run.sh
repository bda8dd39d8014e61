#!/usr/bin/env bash
# Sets up and runs the compositor. With no arguments it runs headless with `wayland-info` as its
# client, which prints what a real libwayland client sees; otherwise the arguments go to the compositor
# (see `./run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
echo "run: building (Release)" >&2
dotnet build Compositor -c Release -v quiet -nologo >&2
if [ $# -eq 0 ]; then set -- -- wayland-info; fi
exec dotnet Compositor/bin/Release/net10.0/compositor.dll "$@"
