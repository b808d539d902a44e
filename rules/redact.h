#pragma once
// Making a held table pass the table rules: redact runs every fix of the rule registry
// (rules/rule_registry.h) over the table in registry order (counts suppressed or rounded, with the
// rates computed from them; complementary cells suppressed until no suppressed cell can be solved
// for from the totals; rates from suppressed counts suppressed; rates computed from unrounded
// counts computed again), checks the result as `check` would, and runs them again while the check
// still fails a rule that has a fix and the last pass changed something. checker/redact_file does
// the reading and writing.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/count_fix.h"
#include "rules/table_layout.h"

namespace outcheck::rules {

struct RedactChange {
  std::int64_t row;     // 1-based data record
  std::string column;
  std::string before;
  std::string after;
  std::string rule;     // the rule the change satisfies: small_count, unrounded, derived_from_small_count,
                        // derived_from_unrounded, secondary_disclosure
};

// Passes of every fix at most: each pass after the first runs only when the one before changed a
// cell and the check still fails a rule that has a fix.
inline constexpr int kMaxRedactPasses = 4;

// The changes made, one per cell changed (from its first text to its last, under the last rule that
// changed it), in the order cells were first changed. `still_failing`, when given, gets what the
// last check found (as failing_rules gives it).
std::vector<RedactChange> redact_table(const CompiledPolicy& policy, HeldTable& table,
                                       std::map<std::string, std::int64_t>* still_failing = nullptr);

// The rules a table still fails (or is blocked by), each with its count of findings, as `check`
// finds them: redact checks its own copy with this, and says what it could not fix.
std::map<std::string, std::int64_t> failing_rules(const CompiledPolicy& policy, const HeldTable& table);

}  // namespace outcheck::rules
