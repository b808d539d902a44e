#pragma once
// The per-cell count rules, shared by the check and by redact so the two can never disagree.
// The verdict is cheap (no allocation); its message is built only for findings that are kept.
#include <cstdint>
#include <string>

#include "rules/column_roles.h"
#include "rules/policy.h"

namespace outcheck::rules {

// 0 < n <= threshold, or 0 <= n <= threshold when zeros are disclosive.
bool is_small_count(const Policy& policy, std::int64_t n);

enum class CountVerdict { ok, small, unrounded, midpoint6_unrounded, midpoint6_derived_unrounded };

CountVerdict count_verdict(const Policy& policy, CountKind kind, std::int64_t n);
// "small_count" or "unrounded"; only for verdicts other than ok.
const char* count_rule(CountVerdict v);
std::string count_message(const Policy& policy, CountVerdict v, std::int64_t n);

}  // namespace outcheck::rules
