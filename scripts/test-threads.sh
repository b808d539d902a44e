#!/usr/bin/env bash
# The checker's threads under ThreadSanitizer: the CSV tests (among them the two-thread scan against
# the one-thread scan) and a check of a generated 30 MB measure file, read on two threads, whose
# report must be the one a normal build's `outcheck check` writes. Any report fails the run.
# The threads are the checker's (checker/file_scan), so only the checker and what it depends on are
# built under TSan: the check goes through tests/tools/check_report_main.cpp, which makes the report
# with the call `outcheck check` makes (checker::check_command); the server, database and
# publishers would be minutes more to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j"$(nproc)" --target outcheck_thread_tests outcheck_check_report outcheck_gen_measures
cmake --build build -j"$(nproc)" --target outcheck
export TSAN_OPTIONS="halt_on_error=1"
build-tsan/tests/outcheck_thread_tests "[csv]"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/output"
printf "version: '5'\nactions:\n  measures:\n    run: python:v2 python analysis/measures.py\n    outputs:\n      moderately_sensitive:\n        measure: output/*.csv\n" \
  > "$tmp/project.yaml"
build-tsan/bench/outcheck_gen_measures "$tmp/output/measure.csv" 30
set +e
build-tsan/tests/outcheck_check_report "$tmp" "$tmp/output/measure.csv" > "$tmp/tsan.json"
rc=$?
build/cli/outcheck check --workspace "$tmp" "$tmp/output/measure.csv" --json --output "$tmp/plain.json"
plain_rc=$?
set -e
# Exit 0 or 1 (the file has findings) is a verdict; anything else fails, as does any difference.
if [ "$rc" -gt 1 ] || [ "$plain_rc" -ne "$rc" ]; then
  echo "test-threads: the TSan check exited $rc, the normal build's $plain_rc" >&2
  exit 1
fi
cmp "$tmp/tsan.json" "$tmp/plain.json"
echo "test-threads: the 30 MB check under ThreadSanitizer: no report, the same JSON as the normal build"
