#!/usr/bin/env bash
# Fuzzes outcheck with libFuzzer (fuzz/): builds the four harnesses with clang-14 in build-fuzz/
# (ASan + UBSan), then runs each for SECONDS (default 60) on a copy of its seed corpus, so the
# committed corpus under fuzz/corpus/ is never modified. Exits 1 when any harness crashed, leaked,
# hit undefined behaviour, timed out or ran out of memory, printing the reproducer's path; each
# reproducer then becomes a test in tests/checker/test_fuzz_regressions.cpp.
#   bash scripts/fuzz.sh          # 4 minutes of fuzzing plus the build, 2 on two cores
#   bash scripts/fuzz.sh 3600     # a longer session: an hour per harness
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS]   (seconds per harness, default 60)" >&2
  exit 2
fi

# The project's packages and the compiler and runtime libFuzzer needs; apt only when missing.
bash scripts/setup.sh clang-14 libclang-rt-14-dev

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOUTCHECK_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzzers

work="$(mktemp -d "${TMPDIR:-/tmp}/outcheck-fuzz.XXXXXX")"
artifacts="$work/artifacts"
mkdir -p "$artifacts" "$work/tmp"
# Sanitizer reports abort the run, with a stack; leaks are reported (LeakSanitizer is on with ASan).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

declare -A dicts=([fuzz_csv]=csv [fuzz_check_file]=csv [fuzz_project]=yaml [fuzz_policy]=yaml)
harnesses=(fuzz_csv fuzz_project fuzz_policy fuzz_check_file)

# One harness for SECONDS on its own copy of the corpus; its exit status goes to $work/$h.rc.
run_harness() {
  local h="$1" corpus="$work/corpus/$1"
  mkdir -p "$corpus" "$work/tmp/$h"
  cp fuzz/corpus/"$h"/* "$corpus"/
  set +e
  # TMPDIR: fuzz_check_file's workspace lives (and is removed) under the run's own folder.
  TMPDIR="$work/tmp/$h" "build-fuzz/fuzz/$h" "$corpus" \
    -dict="fuzz/dict/${dicts[$h]}.dict" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$artifacts/$h-" -print_final_stats=1 \
    -error_exitcode=77 -timeout_exitcode=78 >"$work/$h.log" 2>&1
  echo $? >"$work/$h.rc"
}

# As many harnesses at once as there are cores (each is one process on one core): on CI's two
# cores the four take two of SECONDS rather than four.
jobs_at_once="$(nproc)"
running=0
for h in "${harnesses[@]}"; do
  echo "fuzz: $h for ${seconds}s" >&2
  run_harness "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs_at_once" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=()
summary=()
for h in "${harnesses[@]}"; do
  log="$work/$h.log"
  rc="$(cat "$work/$h.rc" 2>/dev/null || echo 1)"
  done_line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\/[^ ]*\).*/cov \1, ft \2, corpus \3/p' <<<"$done_line")"
  summary+=("$(printf '%-16s %10s execs  %7s exec/s  %s' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}")")
  if [ "$rc" -ne 0 ]; then
    failed+=("$h")
    echo "fuzz: $h FAILED (exit $rc); the end of its log:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|fuzz_[a-z_]*:' "$log" | head -20 >&2 || true
    for f in "$artifacts/$h-"*; do
      [ -e "$f" ] && echo "fuzz: reproducer: $f   (re-run: build-fuzz/fuzz/$h $f)" >&2
    done
  fi
done

echo "fuzz: results (${seconds}s each):"
printf '  %s\n' "${summary[@]}"
rm -rf "$work/tmp" "$work/corpus"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} failed; logs and reproducers are kept in $work" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz: no crash, leak, undefined behaviour or timeout"
