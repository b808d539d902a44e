#include "tests/support/finding_text.h"

namespace outcheck::test {

std::string describe_findings(const rules::FindingList& list) {
  std::string out;
  for (const rules::Finding& f : list.kept()) {
    out += f.rule + "|" + rules::outcome_name(f.outcome) + "|" + (f.row ? std::to_string(*f.row) : "-") + "|" +
           f.column.value_or("-") + "|" + f.value.value_or("-") + "|" + f.message + "\n";
  }
  for (const auto& [rule, n] : list.counts()) out += rule + "=" + std::to_string(n) + "\n";
  return out;
}

}  // namespace outcheck::test
