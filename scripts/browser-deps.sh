#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (Playwright never downloads a browser
# here). Installs it with apt-get when it is missing; nothing to do when it is there.
set -euo pipefail
if [ -n "${SLRT_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian's chromium for the console's browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q chromium >/dev/null
}
command -v chromium >/dev/null
