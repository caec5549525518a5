#!/usr/bin/env bash
# Installs the Debian 12 packages exportctl needs to build, test and run. Idempotent.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libfmt-dev
  libsqlite3-dev libpqxx-dev libpq-dev libicu-dev libssl-dev libboost-dev libcpp-httplib-dev
  iso-codes
  nodejs chromium
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The web console is bundled at build time (npm ci, esbuild) and tested in chromium. A nodejs
# that ships its own npm (e.g. NodeSource's) needs no Debian npm, which would conflict with it.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
