#include "rules/count_rules.h"

#include "rules/rounding.h"

namespace outcheck::rules {

bool is_small_count(const Policy& p, std::int64_t n) {
  if (n < 0 || n > p.small_count_threshold) return false;
  return n > 0 || p.zeros_disclosive;
}

std::optional<CountProblem> count_problem(const Policy& p, CountKind kind, std::int64_t n) {
  const std::string v = std::to_string(n);
  if (kind.midpoint6) {
    // Midpoint-6 rounding is itself the protection: small values are expected (3 stands for 1..6).
    if (kind.derived && !is_midpoint6_derived_value(n)) {
      return CountProblem{"unrounded", "value " + v + " in a midpoint-6 derived column is not a multiple of 6"};
    }
    if (!kind.derived && !is_midpoint6_value(n)) {
      return CountProblem{"unrounded", "value " + v + " in a midpoint-6 column is not 0 or 6k-3: round it with "
                                       "midpoint-6 rounding (to " + std::to_string(midpoint6(n)) + ")"};
    }
    return std::nullopt;
  }
  if (n < 0) return std::nullopt;  // not a count
  if (is_small_count(p, n)) {
    if (n == 0) return CountProblem{"small_count", "count 0 is disclosive under this policy (zeros are disclosive): redact it"};
    return CountProblem{"small_count", "count " + v + " is " + std::to_string(p.small_count_threshold) +
                                           " or fewer: redact it"};
  }
  if (p.rounding_base > 1 && n % p.rounding_base != 0) {
    return CountProblem{"unrounded", "count " + v + " is not a multiple of " + std::to_string(p.rounding_base) +
                                         ": round it (to " + std::to_string(round_half_even(n, p.rounding_base)) + ")"};
  }
  return std::nullopt;
}

}  // namespace outcheck::rules
