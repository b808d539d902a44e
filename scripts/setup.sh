#!/usr/bin/env bash
# Installs the Debian 12 packages outcheck builds and tests with, plus any named as arguments (the
# fuzzing script adds its compiler). Idempotent: when every package is already installed it runs no
# apt command at all, so a second run takes well under a second. wrk drives the load benchmark
# (bench/load.py).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libre2-dev libsqlite3-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev catch2
  libyaml-cpp-dev libssl-dev libcpp-httplib-dev
  python3
  wrk
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run this script as root (or: sudo $0)" >&2
  exit 2
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
