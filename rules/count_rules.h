#pragma once
// The per-cell count rules, shared by the check and by redact so the two can never disagree.
#include <cstdint>
#include <optional>
#include <string>

#include "rules/column_roles.h"
#include "rules/policy.h"

namespace outcheck::rules {

// 0 < n <= threshold, or 0 <= n <= threshold when zeros are disclosive.
bool is_small_count(const Policy& policy, std::int64_t n);

// For a published count: the rule it breaks and the message, or nullopt.
struct CountProblem {
  const char* rule;  // "small_count" or "unrounded"
  std::string message;
};
std::optional<CountProblem> count_problem(const Policy& policy, CountKind kind, std::int64_t n);

}  // namespace outcheck::rules
