#pragma once
// Cell findings held until the table's end, when a column's final role says whether they stand: the
// first `cap` of each rule kept, every one counted. Counting allocates nothing and a finding is
// built only when it is kept, since a large raw table can hold millions of unrounded counts.
#include <cstdint>
#include <cstring>
#include <vector>

#include "rules/finding.h"

namespace outcheck::rules {

struct HeldFindings {
  struct Count {
    const char* rule;
    Outcome outcome;
    std::int64_t total = 0;
    std::int64_t kept = 0;
  };
  std::vector<Finding> kept;
  std::vector<Count> counts;
  std::size_t last = 0;  // counts[last] took the previous finding: most runs are of one rule

  // The count of `rule`, or counts.size(). Rule names are string literals, the same pointer every
  // time: pointers are compared first, the text only when none matches.
  std::size_t find(const char* rule) const {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i].rule == rule) return i;
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (std::strcmp(counts[i].rule, rule) == 0) return i;
    }
    return counts.size();
  }

  // Counts a finding of `rule`, keeping it while fewer than `cap` are kept; returns whether `cap`
  // are kept now (the next ones need only be counted).
  template <class Build>
  bool add(const char* rule, Outcome outcome, std::size_t cap, Build build) {
    if (last >= counts.size() || counts[last].rule != rule) {
      last = find(rule);
      if (last == counts.size()) counts.push_back(Count{rule, outcome});
    }
    Count& c = counts[last];
    ++c.total;
    if (static_cast<std::size_t>(c.kept) < cap) {
      ++c.kept;
      kept.push_back(build());
    }
    return static_cast<std::size_t>(c.kept) >= cap;
  }

  // Whether `rule` has kept its `cap` findings already (none yet: the first one creates its count).
  bool full(const char* rule, std::size_t cap) const {
    const std::size_t i = find(rule);
    return i < counts.size() && static_cast<std::size_t>(counts[i].kept) >= cap;
  }
  // Counts `n` more findings of a rule that is full().
  void count_more(const char* rule, std::int64_t n) {
    if (n == 0) return;
    if (const std::size_t i = find(rule); i < counts.size()) counts[i].total += n;
  }
};

// Several columns' held findings, in row order, as if they had been found in one pass (ties in the
// order given); what was not kept is still counted.
void release_merged(const std::vector<const HeldFindings*>& helds, FindingList& out);

}  // namespace outcheck::rules
