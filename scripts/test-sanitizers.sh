#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer (the CLI tests run the
# sanitized binary too). Any report fails the run: UBSan does not recover, ASan aborts on the first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Most tests run the CLI as a process, thousands of times, so a process's start is most of the run.
# Two flags make it 4x quicker (0.54 s to 0.13 s for the CLI) and the suite about 3x:
#   --param asan-globals=0: globals get no redzones. Each string literal was a registered global
#     (13,000 in web/pages.cpp alone), all registered at start and scanned for leaks at exit;
#     heap and stack checks are unchanged, and the fuzz stage (clang) keeps global checks on the
#     checker's code;
#   -no-pie: 2.7 million relative relocations of sanitizer data were applied at every start.
# The test files themselves are not instrumented (tests/CMakeLists.txt: OUTCHECK_TESTS_UNINSTRUMENTED).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOUTCHECK_TESTS_UNINSTRUMENTED=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined --param asan-globals=0" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined -no-pie" >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# LeakSanitizer's scan at a process's exit is about 55 ms on this kind of machine, near half of a
# short CLI process's time under ASan, and the suite starts thousands of them. In the full run the
# CLI processes the tests start skip it (tests/support/workspace_fixture: child_environment); the
# test process itself and every `outcheck serve` it starts, which live long enough for a leak to
# matter, keep it. Then a pass below runs a few cases with every CLI process leak-checked.
OUTCHECK_TEST_CLI_ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1" \
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
# Leaks in CLI commands: the happy path of a release request (local and through a server), the
# example workspace's check and redact, and a dozen workflow commands given odd server replies.
# (Catch2 reads a comma in a name as "or": these names have none.)
for test in "workflow: the happy path ends reviewed with every output file approved" \
            "example workspace: every seed output gets an output checker's verdict" \
            "example workspace: redact makes the failing small tables pass" \
            "server replies: every workflow command's text survives a reply of another form"; do
  build-asan/tests/outcheck_tests "$test" >/dev/null || {
    echo "test-sanitizers: with every CLI process leak-checked, \"$test\" failed; run it again to see why" >&2
    exit 1
  }
done
echo "test-sanitizers: the suite, and 4 cases with every CLI process leak-checked, passed"
