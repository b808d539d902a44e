#!/usr/bin/env bash
# End-to-end browser test of the review server: headless Debian chromium driven by playwright-core
# (tests/e2e/review.mjs) signs in as an output checker and as the author, and checks the file
# view's highlighted cells, voting and "Submit my review". Installs what it needs (chromium through
# setup.sh, the pinned playwright-core through npm ci); never downloads a browser of its own.
#   OUTCHECK_BUILD_DIR  build folder holding cli/outcheck (default build; built if missing)
#   OUTCHECK_ARTIFACTS  where the screenshots go (default build/artifacts)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

bash scripts/setup.sh chromium

dir="${OUTCHECK_BUILD_DIR:-build}"
bin="$dir/cli/outcheck"
if [ ! -x "$bin" ]; then
  echo "test-browser: building $bin" >&2
  cmake -S . -B "$dir" >/dev/null
  cmake --build "$dir" -j2 --target outcheck
fi

(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

artifacts="${OUTCHECK_ARTIFACTS:-build/artifacts}"
mkdir -p "$artifacts"

OUTCHECK_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" \
OUTCHECK_ARTIFACTS="$(cd "$artifacts" && pwd)" \
CHROMIUM=/usr/bin/chromium \
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  node "$root/tests/e2e/review.mjs"
