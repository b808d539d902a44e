#pragma once
// The per-cell count rules, shared by the check and by redact so the two can never disagree.
// The verdict is cheap (no allocation); its message is built only for findings that are kept.
#include <cstdint>
#include <string>

#include "rules/column_roles.h"
#include "rules/policy.h"
#include "rules/rounding.h"

namespace outcheck::rules {

// 0 < n <= threshold, or 0 <= n <= threshold when zeros are disclosive.
inline bool is_small_count(const Policy& p, std::int64_t n) {
  if (n < 0 || n > p.small_count_threshold) return false;
  return n > 0 || p.zeros_disclosive;
}

// n % base == 0. The presets' bases are constants here, so the compiler divides by multiplying: a
// division by a variable takes tens of cycles, and this runs on nearly every count.
inline bool is_multiple(std::int64_t n, std::int64_t base) {
  switch (base) {
    case 5: return n % 5 == 0;
    case 10: return n % 10 == 0;
    default: return n % base == 0;
  }
}

enum class CountVerdict { ok, small, unrounded, midpoint6_unrounded, midpoint6_derived_unrounded };

// Inline, as the checker calls it on every integer cell of a column that may hold counts.
inline CountVerdict count_verdict(const Policy& p, CountKind kind, std::int64_t n) {
  if (kind.midpoint6) {
    // Midpoint-6 rounding is itself the protection: small values are expected (3 stands for 1..6).
    if (kind.derived) return is_midpoint6_derived_value(n) ? CountVerdict::ok : CountVerdict::midpoint6_derived_unrounded;
    return is_midpoint6_value(n) ? CountVerdict::ok : CountVerdict::midpoint6_unrounded;
  }
  if (n < 0) return CountVerdict::ok;  // not a count
  if (is_small_count(p, n)) return CountVerdict::small;
  if (p.rounding_base > 1 && !is_multiple(n, p.rounding_base)) return CountVerdict::unrounded;
  return CountVerdict::ok;
}

// "small_count" or "unrounded"; only for verdicts other than ok.
inline const char* count_rule(CountVerdict v) { return v == CountVerdict::small ? "small_count" : "unrounded"; }
std::string count_message(const Policy& policy, CountVerdict v, std::int64_t n);

}  // namespace outcheck::rules
