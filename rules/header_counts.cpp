#include "rules/header_counts.h"

#include <cctype>
#include <string>
#include <vector>

#include "rules/cell_value.h"
#include "rules/count_fix.h"
#include "rules/count_rules.h"

namespace outcheck::rules {

namespace {

struct HeaderCount {
  std::string column;   // the header, as findings name the column
  std::string written;  // the count as the header writes it ("525,734")
  std::size_t at = 0;   // where `written` starts in the header
  CountVerdict verdict;
  std::int64_t value;
};

// Each "N = <count>" (or "n=<count>") in a header that a count rule fails, in order.
std::vector<HeaderCount> failing_counts_in(const CountLimits& limits, const std::string& h) {
  std::vector<HeaderCount> out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i] != 'N' && h[i] != 'n') continue;
    if (i > 0 && std::isalnum(static_cast<unsigned char>(h[i - 1]))) continue;
    std::size_t j = i + 1;
    while (j < h.size() && h[j] == ' ') ++j;
    if (j >= h.size() || h[j] != '=') continue;
    ++j;
    while (j < h.size() && h[j] == ' ') ++j;
    std::size_t end = j;
    while (end < h.size() && (is_digit(h[end]) || (h[end] == ',' && end + 1 < h.size() && is_digit(h[end + 1])))) ++end;
    if (end == j) continue;
    const std::string written = h.substr(j, end - j);
    auto n = leading_count(written);
    if (!n) n = parse_integer(written);
    if (!n) continue;
    const CountVerdict v = count_verdict(limits, CountKind{}, *n);
    if (v != CountVerdict::ok) out.push_back({h, written, j, v, *n});
  }
  return out;
}

// Each such count in the headers, in column order.
std::vector<HeaderCount> failing_header_counts(const Policy& policy, const std::vector<std::string>& names) {
  const CountLimits limits = count_limits(policy);
  std::vector<HeaderCount> out;
  for (const std::string& h : names) {
    for (HeaderCount& c : failing_counts_in(limits, h)) out.push_back(std::move(c));
  }
  return out;
}

class HeaderCountsRule final : public TableRule {
 public:
  HeaderCountsRule(const Policy& policy, std::vector<HeaderCount> counts) : policy_(policy), counts_(std::move(counts)) {}

  void observe(const RecordBatch&) override {}

  void finish(const TableEnd&, FindingList& out) override {
    for (const HeaderCount& c : counts_) {
      Finding f;
      f.rule = count_rule(c.verdict);
      f.outcome = Outcome::fail;
      f.column = c.column;
      f.value = c.written;
      f.message = "the header's count (N = " + c.written + "): " + count_message(policy_, c.verdict, c.value);
      out.add(std::move(f));
    }
  }

 private:
  const Policy& policy_;
  std::vector<HeaderCount> counts_;
};

}  // namespace

std::unique_ptr<TableRule> make_header_counts_rule(const TableFacts& facts) {
  std::vector<HeaderCount> counts = failing_header_counts(facts.policy.policy(), facts.names);
  if (counts.empty()) return nullptr;
  return std::make_unique<HeaderCountsRule>(facts.policy.policy(), std::move(counts));
}

void fix_header_counts(const TableFix& fix) {
  const Policy& p = fix.policy.policy();
  const CountLimits limits = count_limits(p);
  for (std::size_t c = 0; c < fix.table.header.size(); ++c) {
    const std::string& header = fix.table.header[c];
    std::string text = header;
    const char* rule = nullptr;
    // From the last count back, so that each one's place in the header still holds.
    const std::vector<HeaderCount> counts = failing_counts_in(limits, header);
    for (auto it = counts.rbegin(); it != counts.rend(); ++it) {
      const auto fixed = fix_written_count(limits, CountKind{}, p.rounding_base, it->value,
                                           it->written.find(',') != std::string::npos);
      if (!fixed) continue;  // not reached: only failing counts are listed
      text.replace(it->at, it->written.size(), fixed->text);
      // One change per header, under the weightier rule when it holds both.
      if (!rule || std::string_view(fixed->rule) == "small_count") rule = fixed->rule;
    }
    if (rule) fix.set_header(c, std::move(text), rule);
  }
}

}  // namespace outcheck::rules
