#pragma once
// Rule `derived_from_small_count` as a unit (rules/table_rule.h): a rate, ratio or percentage that
// is computed from a small count on its record, or that with a published count gives back a
// redacted one, is itself disclosive. The arithmetic (rules/derived_proof.h, rules/interval_proof.h)
// decides where it can; a rate it cannot tie to a count keeps the finding of old.
#include <memory>

#include "rules/table_rule.h"

namespace outcheck::rules {

// Nothing when the table has no rate column and no interval's bounds.
std::unique_ptr<TableRule> make_derived_rule(const TableFacts& facts);

// redact's fix: a rate on a row whose count is suppressed is suppressed too (it was computed from
// that count), and so are an interval's bounds when they alone fit one count of events.
void fix_derived(const TableFix& fix);

}  // namespace outcheck::rules
