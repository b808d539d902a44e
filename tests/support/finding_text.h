#pragma once
// A FindingList as text, for tests comparing two runs that must find the same: every kept
// finding's rule, outcome, row, column, value and message, in order, then every rule's count.
#include <string>

#include "rules/finding.h"

namespace outcheck::test {

std::string describe_findings(const rules::FindingList& list);

}  // namespace outcheck::test
