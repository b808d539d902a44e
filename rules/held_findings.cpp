#include "rules/held_findings.h"

#include <algorithm>

namespace outcheck::rules {

void release_merged(const std::vector<const HeldFindings*>& helds, FindingList& out) {
  std::vector<const Finding*> all;
  for (const HeldFindings* h : helds) {
    for (const auto& f : h->kept) all.push_back(&f);
  }
  std::stable_sort(all.begin(), all.end(), [](const Finding* a, const Finding* b) { return *a->row < *b->row; });
  for (const Finding* f : all) out.add(*f);
  for (const HeldFindings* h : helds) {
    for (const auto& c : h->counts) out.count_only(c.rule, c.outcome, c.total - c.kept);
  }
}

}  // namespace outcheck::rules
