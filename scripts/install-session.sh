#!/usr/bin/env bash
# Installs the compositor as a login session: the published program in $PREFIX/lib/compositor, the
# launcher as $PREFIX/bin/compositor-session, and the session file where display managers look
# ($SESSIONS, default /usr/share/wayland-sessions). As root:
#   scripts/install-session.sh                 # PREFIX=/usr/local
#   PREFIX=/opt/compositor SESSIONS=/opt/compositor/share/wayland-sessions scripts/install-session.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
SESSIONS=${SESSIONS:-/usr/share/wayland-sessions}
echo "install-session: publishing to $PREFIX/lib/compositor" >&2
# Built first (a no-op when ./run.sh or ./test.sh built it), then published from that build.
dotnet build Compositor/Host -c Release -nologo -v quiet >&2
dotnet publish Compositor/Host -c Release -nologo -v quiet --no-build -o "$PREFIX/lib/compositor" >&2
install -D -m 755 session/compositor-session "$PREFIX/bin/compositor-session"
install -D -m 644 session/compositor.desktop "$SESSIONS/compositor.desktop"
if [ "$PREFIX/bin" != /usr/local/bin ] && [ "$PREFIX/bin" != /usr/bin ]; then
  # Display managers run Exec= through PATH: name the launcher by its full path instead.
  sed -i "s|^Exec=compositor-session|Exec=$PREFIX/bin/compositor-session|; s|^TryExec=compositor-session|TryExec=$PREFIX/bin/compositor-session|" "$SESSIONS/compositor.desktop"
fi
echo "install-session: done; pick \"Compositor (C#)\" in the display manager, or run compositor-session on a text console" >&2
