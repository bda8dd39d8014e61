#!/usr/bin/env bash
# Sets up and runs the compositor. With no arguments it runs the main job: the compositor headless
# (1280x720) with our DMA-BUF sample client and real clients from Debian for a few seconds, and a
# screenshot of what it showed in screenshot.png. Otherwise the arguments go to the compositor (see `./run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
echo "run: building (Release)" >&2
dotnet build Compositor/Host -c Release -v quiet -nologo >&2
if [ $# -eq 0 ]; then
  dotnet build Clients/DmabufClient -c Release -v quiet -nologo >&2
  echo "run: starting the compositor headless with dmabuf-client, weston-simple-shm, weston-simple-egl and weston-subsurfaces" >&2
  set -- --backend headless --output 1280x720@60 -- scripts/demo.sh
fi
exec dotnet Compositor/Host/bin/Release/net10.0/compositor.dll "$@"
