#include "rules/finding.h"

#include <algorithm>
#include <cassert>

#include "rules/rule_registry.h"

namespace outcheck::rules {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::pass: return "pass";
    case Outcome::review: return "review";
    case Outcome::fail: return "fail";
    case Outcome::blocked: return "blocked";
  }
  return "pass";
}

void FindingList::add(Finding f) {
  assert(find_rule(f.rule) && "a finding's rule must be in rules/rule_registry.cpp");
  worst_ = std::max(worst_, f.outcome);
  auto& n = counts_[f.rule];
  ++n;
  if (static_cast<std::size_t>(n) <= cap_) kept_.push_back(std::move(f));
}

void FindingList::count_only(const std::string& rule, Outcome outcome, std::int64_t n) {
  assert(find_rule(rule) && "a finding's rule must be in rules/rule_registry.cpp");
  if (n <= 0) return;
  worst_ = std::max(worst_, outcome);
  counts_[rule] += n;
}

}  // namespace outcheck::rules
