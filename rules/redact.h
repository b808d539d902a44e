#pragma once
// Making a table pass the count rules: small counts suppressed, counts rounded (midpoint-6 columns
// with midpoint-6 rounding), rates from suppressed counts suppressed, and complementary cells
// suppressed until no suppressed cell can be solved for from the totals. Works on a held table in
// place; checker/redact_file does the reading and writing.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/table_layout.h"

namespace outcheck::rules {

inline constexpr const char* kRedactedMarker = "[REDACTED]";

struct RedactChange {
  std::int64_t row;     // 1-based data record
  std::string column;
  std::string before;
  std::string after;
  std::string rule;     // the rule the change satisfies: small_count, unrounded, derived_from_small_count,
                        // derived_from_unrounded, secondary_disclosure
};

std::vector<RedactChange> redact_table(const CompiledPolicy& policy, HeldTable& table);

// The rules a table still fails (or is blocked by), each with its count of findings, as `check`
// finds them: redact checks its own copy with this, and says what it could not fix.
std::map<std::string, std::int64_t> failing_rules(const CompiledPolicy& policy, const HeldTable& table);

}  // namespace outcheck::rules
