#pragma once
// A finding is one rule's verdict on one place in a file (the file, a column, or a cell).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outcheck::rules {

// Ordered by severity: a file's outcome is the maximum of its findings'.
enum class Outcome { pass = 0, review = 1, fail = 2, blocked = 3 };

const char* outcome_name(Outcome o);

struct Finding {
  std::string rule;                   // a rule id from interface.md, e.g. "small_count"
  Outcome outcome = Outcome::fail;
  std::optional<std::int64_t> row;    // 1-based data record; absent for column- and file-level findings
  std::optional<std::string> column;  // header name; absent for file-level findings
  std::optional<std::string> value;   // the offending cell text, when there is one
  std::string message;
};

// Keeps at most `cap` findings per rule but counts every one, so a file with a million small counts
// costs bounded memory and still reports its full count.
class FindingList {
 public:
  explicit FindingList(std::size_t cap_per_rule = 100) : cap_(cap_per_rule) {}

  void add(Finding f);
  // Counts one finding of `rule` without keeping it (the caller already kept `cap` of them).
  void count_only(const std::string& rule, Outcome outcome, std::int64_t n = 1);

  const std::vector<Finding>& kept() const { return kept_; }
  const std::map<std::string, std::int64_t>& counts() const { return counts_; }
  Outcome worst() const { return worst_; }
  bool has(const std::string& rule) const { return counts_.count(rule) != 0; }
  std::size_t cap() const { return cap_; }

 private:
  std::size_t cap_;
  std::vector<Finding> kept_;
  std::map<std::string, std::int64_t> counts_;
  Outcome worst_ = Outcome::pass;
};

}  // namespace outcheck::rules
