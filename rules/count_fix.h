#pragma once
// Redact's fix for the count rules (small_count, unrounded), over a held table: each count that is
// small is suppressed, each other count is rounded as check asks (midpoint-6 columns to midpoint-6,
// a column rounded to an accepted base keeping that base), the leading count of a count written in
// text too. A rate that is the ratio of two counts of its row is then computed again from the
// published counts: left as it was, with either rounded count it gives the other's unrounded
// value back. The proof of which counts a rate comes from is made before the counts change. Counts
// written in headers are rounded or suppressed in place (rules/header_counts.h).
#include "rules/table_rule.h"

namespace outcheck::rules {

inline constexpr const char* kRedactedMarker = "[REDACTED]";

void fix_counts(const TableFix& fix);

}  // namespace outcheck::rules
