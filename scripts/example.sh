#!/usr/bin/env bash
# The README's first command: install what is missing, build, generate the example workspace's big
# files and check the whole workspace. outcheck's own exit code is passed on (1: some files fail).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target outcheck
python3 scripts/make_example_workspace.py
exec build/cli/outcheck check --workspace examples/workspace "$@"
