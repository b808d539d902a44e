#pragma once
// The per-cell count rules, shared by the check and by redact so the two can never disagree.
// The verdict is cheap (no allocation); its message is built only for findings that are kept.
#include <array>
#include <cstdint>
#include <string>

#include "rules/column_roles.h"
#include "rules/policy.h"
#include "rules/rounding.h"

namespace outcheck::rules {

// The policy's numbers the count rules read, as a value: a loop over cells keeps them in registers
// (through a Policy&, every store the loop makes to an integer might have changed them).
struct CountLimits {
  std::int64_t small_count_threshold;
  bool zeros_disclosive;
  std::int64_t rounding_base;
};
inline CountLimits count_limits(const Policy& p) {
  return {p.small_count_threshold, p.zeros_disclosive, p.rounding_base};
}

// 0 < n <= threshold, or 0 <= n <= threshold when zeros are disclosive.
inline bool is_small_count(const CountLimits& l, std::int64_t n) {
  if (n < 0 || n > l.small_count_threshold) return false;
  return n > 0 || l.zeros_disclosive;
}
// The same, as 0 or 1 computed without branches (for loops over cells, where it is data-dependent).
inline unsigned is_small_count_branchless(const CountLimits& l, std::int64_t n) {
  // n < 0 wraps to above any threshold.
  return static_cast<unsigned>(static_cast<std::uint64_t>(n) <= static_cast<std::uint64_t>(l.small_count_threshold)) &
         (static_cast<unsigned>(n > 0) | static_cast<unsigned>(l.zeros_disclosive));
}
inline bool is_small_count(const Policy& p, std::int64_t n) { return is_small_count(count_limits(p), n); }

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

// A count n >= 0 of a column whose values show it rounded to `base` (an accepted base other than the
// policy's). A rounded value stands for every count that rounds to it, up to n + base / 2: it is a
// small count only when all of those are (under the threshold 7, 5 rounded to 5 stands for 3..7
// and is small; 7 rounded to 7 stands for up to 10 and is not). Other values must still be
// multiples of the base.
inline CountVerdict rounded_count_verdict(const CountLimits& l, std::int64_t base, std::int64_t n) {
  const bool multiple = n % base == 0;
  if (is_small_count(l, n) && !(multiple && n > 0 && n + base / 2 > l.small_count_threshold)) return CountVerdict::small;
  return multiple ? CountVerdict::ok : CountVerdict::unrounded;
}

// Inline, as the checker calls it on every integer cell of a column that may hold counts.
inline CountVerdict count_verdict(const CountLimits& l, CountKind kind, std::int64_t n) {
  if (kind.midpoint6) {
    // Midpoint-6 rounding is itself the protection: small values are expected (3 stands for 1..6).
    if (kind.derived) return is_midpoint6_derived_value(n) ? CountVerdict::ok : CountVerdict::midpoint6_derived_unrounded;
    return is_midpoint6_value(n) ? CountVerdict::ok : CountVerdict::midpoint6_unrounded;
  }
  if (n < 0) return CountVerdict::ok;  // not a count
  if (kind.base > 1) return rounded_count_verdict(l, kind.base, n);
  if (is_small_count(l, n)) return CountVerdict::small;
  if (l.rounding_base > 1 && !is_multiple(n, l.rounding_base)) return CountVerdict::unrounded;
  return CountVerdict::ok;
}
inline CountVerdict count_verdict(const Policy& p, CountKind kind, std::int64_t n) {
  return count_verdict(count_limits(p), kind, n);
}

// The verdict as two flags, 0 or 1, for loops that count rather than branch.
struct CountFlags {
  unsigned small;
  unsigned unrounded;
};

// count_verdict (not midpoint-6) as flags, computed without branches.
inline CountFlags count_flags(const CountLimits& l, std::int64_t n) {
  const unsigned small = is_small_count_branchless(l, n);
  const unsigned rounds = l.rounding_base > 1;
  // A base of 1 or less has no rule; the remainder is still taken, by a divisor that is safe.
  const unsigned multiple = is_multiple(n, rounds ? l.rounding_base : 1);
  return {small, (1u ^ small) & static_cast<unsigned>(n >= 0) & rounds & (1u ^ multiple)};
}

// Whether LastDigitFlags may be used: the small counts are single digits and the
// rounding base divides 10 (both presets).
inline bool judged_by_last_digit(const CountLimits& l) {
  return l.small_count_threshold >= 0 && l.small_count_threshold < 10 &&
         (l.rounding_base <= 1 || l.rounding_base == 5 || l.rounding_base == 10);
}

// count_verdict (not midpoint-6) of a count written with `digits` digits and no leading zero, from
// its last digit alone, when judged_by_last_digit: a count of two digits or more is above a
// single-digit threshold, and whether it is a multiple of 5 or 10 is in its last digit. No value,
// no division: the flags of the twenty cases (one digit or more, and the last digit) are worked out
// once, and each cell looks its case up.
class LastDigitFlags {
 public:
  explicit LastDigitFlags(const CountLimits& l) {
    for (unsigned longer = 0; longer < 2; ++longer) {
      for (unsigned last = 0; last < 10; ++last) {
        const bool small = !longer && static_cast<std::int64_t>(last) <= l.small_count_threshold &&
                           (last != 0 || l.zeros_disclosive);
        const bool multiple = last == 0 || (last == 5 && l.rounding_base != 10);
        const bool unrounded = !small && l.rounding_base > 1 && !multiple;
        halves_[longer * 10 + last] = std::uint64_t{small} | std::uint64_t{unrounded} << 32;
      }
    }
  }
  CountFlags operator()(std::size_t digits, unsigned last) const {
    const std::uint64_t f = halves_[static_cast<std::size_t>(digits > 1) * 10 + last];
    return {static_cast<unsigned>(f & 1u), static_cast<unsigned>(f >> 32)};
  }
  // The same flags as one word: small in bit 0, unrounded in bit 32 (the column loop counts both
  // rules' cells in the two halves of one sum).
  std::uint64_t halves(std::size_t digits, unsigned last) const {
    return halves_[static_cast<std::size_t>(digits > 1) * 10 + last];
  }
  // The twenty cases' flags as two bit masks, bit (digits > 1) * 10 + last: for loops that look a
  // case up by shifting (rules/count_run.h).
  std::uint32_t small_cases() const { return case_bits(0); }
  std::uint32_t unrounded_cases() const { return case_bits(32); }

 private:
  std::uint32_t case_bits(unsigned half) const {
    std::uint32_t bits = 0;
    for (std::size_t i = 0; i < halves_.size(); ++i) bits |= static_cast<std::uint32_t>((halves_[i] >> half) & 1u) << i;
    return bits;
  }
  std::array<std::uint64_t, 20> halves_{};
};

// "small_count" or "unrounded"; only for verdicts other than ok.
inline const char* count_rule(CountVerdict v) { return v == CountVerdict::small ? "small_count" : "unrounded"; }
// `base`: the column's own rounding base when its values show one (CountKind::base), else 0.
std::string count_message(const Policy& policy, CountVerdict v, std::int64_t n, std::int64_t base = 0);

}  // namespace outcheck::rules
