#pragma once
// Counts written in a header ("**TRUE**, N = 525,734", as gtsummary heads its columns) are released
// as surely as counts in cells: small_count and unrounded apply to each. A unit (rules/table_rule.h)
// whose evidence is the header alone: it is made only when a header names such a count, and reads
// no record.
#include <memory>

#include "rules/table_rule.h"

namespace outcheck::rules {

std::unique_ptr<TableRule> make_header_counts_rule(const TableFacts& facts);

// redact's fix (part of the count rules' own, rules/count_fix.h): each such count is rounded in its
// header as a count in a cell would be ("N = 525,734" -> "N = 525,735", its commas kept), or
// suppressed when small ("N = [REDACTED]").
void fix_header_counts(const TableFix& fix);

}  // namespace outcheck::rules
