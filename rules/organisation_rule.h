#pragma once
// Rule `organisation_identifier` as a unit (rules/table_rule.h), under OpenSAFELY's permitted study
// results policy: real organisation codes in a column (rules/organisation_codes.h) fail, one finding
// per column, and a table keyed by practice under pseudonymous ids is for a person to confirm.
#include <memory>

#include "rules/table_rule.h"

namespace outcheck::rules {

// Nothing when the policy turns the rule off (organisation_identifier: off).
std::unique_ptr<TableRule> make_organisation_rule(const TableFacts& facts);

}  // namespace outcheck::rules
