#!/usr/bin/env bash
# Installs Debian's chromium for the browser test of the HTTP gateway, when it is missing.
# Needs root (CI runs as root); puppeteer-core drives it, with no browser download of its own.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "setup: installing chromium from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
