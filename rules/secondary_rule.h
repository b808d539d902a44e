#pragma once
// The rule secondary_disclosure as a unit (rules/table_rule.h): a redacted cell that the published
// totals and the other cells give back. The layout is read from the roles once they are decided
// (rules/secondary_stream.h); every record streams past it, so memory grows with the redacted
// cells, never with rows x columns. Never a silent pass: past the redacted cells the stream keeps,
// the file gets a review finding that says the rule did not run.
#include <memory>

#include "rules/secondary_stream.h"
#include "rules/table_rule.h"

namespace outcheck::rules {

// Nothing when the table has no count column (no cell can be given back).
std::unique_ptr<TableRule> make_secondary_rule(const TableFacts& facts,
                                               std::size_t max_redacted_cells = SecondaryStream::kMaxRedactedCells);

// redact's fix, complementary suppression: while some redacted cell can be solved for from the
// totals (rules/secondary.h over the held table), the smallest published cell of the line that
// gives it away is suppressed too (or, when none is left, that line's total). With totals on both
// margins, the smallest cell or pair of cells that puts it on a cycle of redacted cells instead.
void fix_secondary(const TableFix& fix);

}  // namespace outcheck::rules
