#include "rules/organisation_rule.h"

#include <map>
#include <string>
#include <vector>

#include "rules/column_roles.h"
#include "rules/organisation_codes.h"
#include "rules/table_roles.h"

namespace outcheck::rules {

namespace {

class OrganisationRule final : public TableRule {
 public:
  OrganisationRule(const TableFacts& facts, Outcome setting)
      : policy_(facts.policy), names_(facts.names), setting_(setting),
        practice_keyed_(practice_key(facts.names, facts.roles, facts.sample)) {
    // Codes are text: a column of counts holds none. An ODS practice code counts only in a column
    // its header (as written) names for practices.
    for (std::size_t c = 0; c < facts.roles.size(); ++c) {
      if (facts.roles[c].role == Role::count) continue;
      columns_.push_back({c, c < facts.header.size() && practice_header(facts.header[c])});
    }
  }

  bool wants_column_shapes() const override { return true; }

  void observe(const RecordBatch& batch) override {
    for (const Column& col : columns_) {
      if (col.index >= batch.width()) continue;
      // Most columns of a batch are ruled out whole by what the column loop saw of them.
      const ColumnShape* shape = batch.column_shape(col.index);
      if (shape && !may_hold_organisation_code(*shape)) continue;
      batch.each_cell(col.index, [&](std::size_t, std::string_view text) __attribute__((always_inline)) {
        // Codes are text of 6 or 9 characters: most cells are ruled out by their size.
        if (!maybe_organisation_code(text)) [[likely]] return;
        if (policy_.may_be_marker(text) && read_cell(policy_, text).kind != CellKind::text) return;
        codes_[col.index].add(text, col.practice);
      });
    }
  }

  void finish(const TableEnd&, FindingList& out) override {
    bool real_practices = false;
    for (const Column& col : columns_) {
      const auto it = codes_.find(col.index);
      if (it == codes_.end() || it->second.empty()) continue;
      const OrganisationCodeTally& codes = it->second;
      real_practices |= col.practice && codes.has(OrganisationCode::ods_practice);
      Finding f;
      f.rule = kOrganisationIdentifierRule;
      f.outcome = setting_;
      f.column = names_[col.index];
      f.value = codes.first;
      f.message = organisation_codes_message(names_[col.index], codes, setting_);
      out.add(std::move(f));
    }
    if (practice_keyed_ >= 0 && !real_practices) {
      const std::string& name = names_[static_cast<std::size_t>(practice_keyed_)];
      Finding f;
      f.rule = kOrganisationIdentifierRule;
      f.outcome = *practice_keyed_outcome(setting_);
      f.column = name;
      f.message = std::string(kPracticeLevelMessage) + " (a row per practice under column \"" + name + "\")";
      out.add(std::move(f));
    }
  }

 private:
  struct Column {
    std::size_t index;
    bool practice;  // its header names practices
  };

  const CompiledPolicy& policy_;
  const std::vector<std::string> names_;
  const Outcome setting_;
  const int practice_keyed_;  // the practice column that keys the table, if it is keyed by practice
  std::vector<Column> columns_;  // those that may hold codes
  // Codes seen, by column; only the few columns that hold one have an entry.
  std::map<std::size_t, OrganisationCodeTally> codes_;
};

}  // namespace

std::unique_ptr<TableRule> make_organisation_rule(const TableFacts& facts) {
  const std::optional<Outcome> setting = facts.policy.policy().organisation_identifier;
  if (!setting) return nullptr;
  return std::make_unique<OrganisationRule>(facts, *setting);
}

}  // namespace outcheck::rules
