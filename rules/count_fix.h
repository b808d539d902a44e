#pragma once
// Redact's fix for the count rules (small_count, unrounded), over a held table: each count that is
// small is suppressed, each other count is rounded as check asks (midpoint-6 columns to midpoint-6,
// a column rounded to an accepted base keeping that base), the leading count of a count written in
// text too. A rate that is the ratio of two counts of its row is then computed again from the
// published counts: left as it was, with either rounded count it gives the other's unrounded
// value back. The proof of which counts a rate comes from is made before the counts change. Counts
// written in headers are rounded or suppressed in place (rules/header_counts.h).
#include <cstdint>
#include <optional>
#include <string>

#include "rules/count_rules.h"
#include "rules/table_rule.h"

namespace outcheck::rules {

inline constexpr const char* kRedactedMarker = "[REDACTED]";

void fix_counts(const TableFix& fix);

// What a count written in text (in a cell beside its share, or in a header) becomes in the safe
// copy: the marker when it is small or rounding lands on a small count (threshold 12, base 10:
// 13 -> 10), else the count rounded to its column's base (the policy's when it has none), with
// thousands commas when it was written with them. The rule is the one the change answers.
struct WrittenCountFix {
  std::string text;
  const char* rule;
  bool suppressed;  // text is the marker: the count was small, or rounding made it so
};
// Nothing when the count is already safe as written.
std::optional<WrittenCountFix> fix_written_count(const CountLimits& limits, const CountKind& kind,
                                                 std::int64_t rounding_base, std::int64_t n, bool commas);

}  // namespace outcheck::rules
