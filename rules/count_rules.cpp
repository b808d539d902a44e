#include "rules/count_rules.h"

#include "rules/rounding.h"

namespace outcheck::rules {

std::string count_message(const Policy& p, CountVerdict v, std::int64_t n, std::int64_t base) {
  const std::string value = std::to_string(n);
  switch (v) {
    case CountVerdict::small:
      if (n == 0) return "count 0 is disclosive under this policy (zeros are disclosive): redact it";
      return "count " + value + " is " + std::to_string(p.small_count_threshold) + " or fewer: redact it";
    case CountVerdict::unrounded:
      if (base > 1) {
        return "count " + value + " is not a multiple of " + std::to_string(base) + ", as the column's other counts are: round it (to " +
               std::to_string(round_half_even(n, base)) + ")";
      }
      return "count " + value + " is not a multiple of " + std::to_string(p.rounding_base) + ": round it (to " +
             std::to_string(round_half_even(n, p.rounding_base)) + ")";
    case CountVerdict::midpoint6_unrounded:
      return "value " + value + " in a midpoint-6 column is not 0 or 6k-3: round it with midpoint-6 rounding (to " +
             std::to_string(midpoint6(n)) + ")";
    case CountVerdict::midpoint6_derived_unrounded:
      return "value " + value + " in a midpoint-6 derived column is not a multiple of 6";
    case CountVerdict::ok:
      break;
  }
  return "";
}

}  // namespace outcheck::rules
