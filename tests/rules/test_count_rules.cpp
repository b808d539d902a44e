// The branch-free forms of the count verdict, which the table rules use on every count cell,
// against count_verdict itself: the same answer for every policy and count tried.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rules/count_fix.h"
#include "rules/count_rules.h"

using namespace outcheck::rules;

namespace {

std::vector<std::int64_t> counts_to_try() {
  std::vector<std::int64_t> out;
  for (std::int64_t n = -20; n <= 2000; ++n) out.push_back(n);
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 20000; ++i) out.push_back(std::uniform_int_distribution<std::int64_t>(0, 99'999'999)(rng));
  for (std::int64_t n : {std::int64_t{9'999'999}, std::int64_t{10'000'000}, std::int64_t{99'999'995},
                         std::int64_t{99'999'999}, std::int64_t{1} << 40, INT64_MAX, INT64_MIN + 1}) {
    out.push_back(n);
  }
  return out;
}

}  // namespace

TEST_CASE("count rules: count_flags and the last-digit rule agree with count_verdict", "[rules]") {
  const std::vector<std::int64_t> counts = counts_to_try();
  for (std::int64_t threshold : {0, 1, 5, 7, 9, 10, 50}) {
    for (bool zeros : {false, true}) {
      for (std::int64_t base : {-1, 0, 1, 2, 3, 5, 10, 100}) {
        const CountLimits limits{threshold, zeros, base};
        INFO("threshold " << threshold << ", zeros " << zeros << ", base " << base);
        // The last digit is enough exactly for single-digit thresholds and bases dividing 10.
        CHECK(judged_by_last_digit(limits) == (threshold < 10 && (base <= 1 || base == 5 || base == 10)));
        for (std::int64_t n : counts) {
          const CountVerdict want = count_verdict(limits, CountKind{}, n);
          const CountFlags flags = count_flags(limits, n);
          INFO("count " << n);
          REQUIRE(flags.small == (want == CountVerdict::small ? 1u : 0u));
          REQUIRE(flags.unrounded == (want == CountVerdict::unrounded ? 1u : 0u));
          if (judged_by_last_digit(limits) && n >= 0 && n <= 99'999'999) {
            const std::size_t digits = std::to_string(n).size();
            const CountFlags by_digit = LastDigitFlags(limits)(digits, static_cast<unsigned>(n % 10));
            REQUIRE(by_digit.small == flags.small);
            REQUIRE(by_digit.unrounded == flags.unrounded);
          }
        }
      }
    }
  }
}

// Redact's one answer for a count written in text, shared by cells ("1,164 (0.19)") and headers
// ("N = 525,734"): suppressed when small or when rounding lands on a small count, else rounded to
// its column's base (the policy's when it has none), commas kept, and nothing when already safe.
TEST_CASE("count rules: fix_written_count suppresses small counts and rounds the rest as written", "[rules]") {
  const CountLimits limits{7, false, 5};  // opensafely: small is 1 to 7, round to 5
  auto fix = [&](std::int64_t n, bool commas, std::int64_t base = 0) {
    CountKind kind;
    kind.base = base;
    const auto f = fix_written_count(limits, kind, 5, n, commas);
    return f ? f->text + " " + f->rule + (f->suppressed ? " suppressed" : "") : std::string("unchanged");
  };
  CHECK(fix(3, false) == "[REDACTED] small_count suppressed");
  CHECK(fix(9, false) == "10 unrounded");
  CHECK(fix(525734, true) == "525,735 unrounded");
  CHECK(fix(525734, false) == "525735 unrounded");
  CHECK(fix(1164, true) == "1,165 unrounded");
  CHECK(fix(1165, true) == "unchanged");
  CHECK(fix(0, false) == "unchanged");
  CHECK(fix(1234, false, 10) == "1230 unrounded");  // a column rounded to 10 keeps its base
  // Rounding down onto a small count (threshold 12, base 10: 13 -> 10) suppresses instead.
  const CountLimits sdc{12, false, 10};
  const auto f = fix_written_count(sdc, CountKind{}, 10, 13, false);
  REQUIRE(f);
  CHECK(f->text == "[REDACTED]");
  CHECK(std::string(f->rule) == "small_count");
  CHECK(f->suppressed);
}
