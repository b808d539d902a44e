#include "rules/redact.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "rules/rule_registry.h"
#include "rules/table_check.h"
#include "rules/table_rule.h"

namespace outcheck::rules {

namespace {

// The registry's fixes, each once, in registry order (small_count and unrounded share one).
std::vector<FixTable> registry_fixes() {
  std::vector<FixTable> fixes;
  for (const Rule& rule : rule_registry()) {
    if (rule.fix && std::find(fixes.begin(), fixes.end(), rule.fix) == fixes.end()) fixes.push_back(rule.fix);
  }
  return fixes;
}

// Whether a rule the check still fails has a fix that might do more.
bool fixable(const std::map<std::string, std::int64_t>& failing) {
  for (const auto& [id, count] : failing) {
    const Rule* rule = find_rule(id);
    if (rule && rule->fix) return true;
  }
  return false;
}

class Redactor {
 public:
  Redactor(const CompiledPolicy& policy, HeldTable& table) : Redactor(policy, table, table_columns(policy, table)) {}

  std::vector<RedactChange> run(std::map<std::string, std::int64_t>* still_failing) {
    const CellSetter set = [this](std::size_t r, std::size_t c, std::string text, const char* rule) {
      this->set(r, c, std::move(text), rule);
    };
    const HeaderSetter set_header = [this](std::size_t c, std::string text, const char* rule) {
      this->set_header(c, std::move(text), rule);
    };
    const TableFix fix{policy_, t_, roles_, set, set_header};
    const std::vector<FixTable> fixes = registry_fixes();
    std::map<std::string, std::int64_t> failing;
    for (int pass = 0; pass < kMaxRedactPasses; ++pass) {
      changed_ = false;
      for (FixTable f : fixes) f(fix);
      failing = failing_rules(policy_, t_);
      if (!changed_ || !fixable(failing)) break;
    }
    if (still_failing) *still_failing = std::move(failing);
    return std::move(changes_);
  }

 private:
  Redactor(const CompiledPolicy& policy, HeldTable& table, TableColumns columns)
      : policy_(policy), t_(table), roles_(std::move(columns.roles)), names_(std::move(columns.names)) {}

  // Records one change per cell, from its original text to its final one, under the last rule. A
  // change names its column as the check names it (a second header row's "16-39 / M"), even once a
  // fix has changed the header; a cell is told from another by its column's place, since two
  // columns may bear one name.
  void set(std::size_t r, std::size_t c, std::string value, const char* rule) {
    auto& row = t_.rows[r];
    if (c >= row.size() || row[c] == value) return;
    record(t_.records[r], c, row[c], value, rule);
    row[c] = std::move(value);
  }
  // A header's change is row 0's: the line before the first data record.
  void set_header(std::size_t c, std::string value, const char* rule) {
    if (c >= t_.header.size() || t_.header[c] == value) return;
    record(0, c, t_.header[c], value, rule);
    t_.header[c] = std::move(value);
  }
  void record(std::int64_t row, std::size_t c, const std::string& before, const std::string& after, const char* rule) {
    changed_ = true;
    // Found by its place, not by a walk of the changes: a table may have hundreds of thousands.
    const auto [at, first] = change_at_.try_emplace({row, c}, changes_.size());
    if (!first) {
      changes_[at->second].after = after;
      changes_[at->second].rule = rule;
      return;
    }
    // A cell past the header's last column (a ragged row) is named by its place.
    changes_.push_back({row, c < names_.size() ? names_[c] : "column " + std::to_string(c + 1), before, after, rule});
  }

  const CompiledPolicy& policy_;
  HeldTable& t_;
  const std::vector<ColumnRole> roles_;
  const std::vector<std::string> names_;
  bool changed_ = false;
  std::vector<RedactChange> changes_;
  std::map<std::pair<std::int64_t, std::size_t>, std::size_t> change_at_;  // (row, column place) -> its change
};

}  // namespace

std::vector<RedactChange> redact_table(const CompiledPolicy& policy, HeldTable& table,
                                       std::map<std::string, std::int64_t>* still_failing) {
  return Redactor(policy, table).run(still_failing);
}

std::map<std::string, std::int64_t> failing_rules(const CompiledPolicy& policy, const HeldTable& table) {
  // TableCheck shares its policy; this one outlives the check, so it is lent, not owned.
  TableCheck check(std::shared_ptr<const CompiledPolicy>(std::shared_ptr<const CompiledPolicy>(), &policy), 1000);
  std::vector<std::string_view> fields(table.header.begin(), table.header.end());
  check.header(fields);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    fields.assign(table.rows[r].begin(), table.rows[r].end());
    check.record(table.records.empty() ? static_cast<std::int64_t>(r + 1) : table.records[r], fields);
  }
  FindingList found(1000);
  check.finish(found);
  std::map<std::string, std::int64_t> failing;
  for (const Finding& f : found.kept()) {
    if (f.outcome >= Outcome::fail) failing[f.rule] = found.counts().at(f.rule);
  }
  return failing;
}

}  // namespace outcheck::rules
