#!/usr/bin/env bash
# Install the Debian packages regenquote needs to build and test, when missing.
# Works as root or through sudo; does nothing when everything is present.
# With arguments, installs those packages instead (e.g. the benchmark's tools).
set -euo pipefail

PKGS=(make gcc clang pkg-config libcjson-dev libhpdf-dev libcriterion-dev python3-fonttools libcurl4-openssl-dev libpng-dev python3-aiosmtpd
      libsqlite3-dev libmicrohttpd-dev libsodium-dev fonts-dejavu-core poppler-utils qpdf valgrind sqlite3
      openssl curl libqrencode-dev zlib1g-dev zbar-tools libpq-dev postgresql)

[ $# -gt 0 ] && PKGS=("$@")

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
