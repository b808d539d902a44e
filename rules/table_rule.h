#pragma once
// A table rule as one unit: made once a table's column roles are decided (nothing, when the table
// gives it no work), it observes every record, gives its findings at the end, and offers redact a
// fix over a held table, decided the same way. TableCheck runs the units; redact runs the registry's
// fixes (rules/rule_registry.h), units' and the count rules' alike.
//
// rules/unrounded_rates.h (derived_from_unrounded), rules/secondary_rule.h (secondary_disclosure),
// rules/derived_rule.h (derived_from_small_count), rules/organisation_rule.h (organisation_identifier)
// and rules/header_counts.h (counts written in headers) are written this way. The count rules
// (small_count, unrounded) and identifier values are TableCheck's column loop (rules/table_check.cpp),
// which reads every cell once and decides the columns' final roles.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/record_batch.h"
#include "rules/table_layout.h"
#include "rules/table_roles.h"
#include "rules/table_sample.h"

namespace outcheck::rules {

// What a rule is told when the roles are decided (valid only during the call that makes it).
struct TableFacts {
  const CompiledPolicy& policy;
  const std::vector<std::string>& names;  // the columns' names, as findings give them
  // Per column, the second level of a header on two rows ("80+" of "n / 80+"), or "".
  const std::vector<std::string>& groups;
  // The header row as written: the names differ when a second header row names the columns too
  // ("practice / code"), and a rule may judge what the first row says.
  const std::vector<std::string>& header;
  const std::vector<ColumnRole>& roles;
  const TableSample& sample;  // the rows the roles were decided on
  std::size_t cap;            // findings kept per rule and column (the rest are counted)
};

// What is known once every record has been read.
struct TableEnd {
  // The roles as finally decided: a column read as counts on the first rows may prove, over all its
  // values, to hold people's identifiers (then Role::identifier, and the file is blocked as such).
  const std::vector<ColumnRole>& roles;
};

class TableRule {
 public:
  virtual ~TableRule() = default;
  // Every data record, in order, from the first, a batch at a time; a record holds at most the
  // header's width of fields.
  virtual void observe(const RecordBatch& batch) = 0;
  virtual void finish(const TableEnd& end, FindingList& out) = 0;
  // Whether the unit reads RecordBatch::small_or_redacted. The column loop notes it as it judges
  // the counts, so that a unit need not read every count again to find the few records it wants.
  virtual bool wants_small_or_redacted() const { return false; }
  // Whether the unit reads RecordBatch::count_cell in the next batch: each count column's cells as
  // the column loop read them, so that a unit summing counts need not read every count again.
  // Asked before each batch, since noting them costs the loop a store per count.
  virtual bool wants_count_cells() const { return false; }
  // Whether the unit reads RecordBatch::column_shape: the longest cell of each column that may not
  // hold counts, and the kinds of byte its cells start with, noted by the loop as it reads them.
  virtual bool wants_column_shapes() const { return false; }
};

// How a fix changes a held table's cell (row and column indexes into it), under the rule it serves:
// redact records each change for its report.
using CellSetter = std::function<void(std::size_t row, std::size_t column, std::string text, const char* rule)>;
// The same for a column's header (a count written in it: "N = 525,734").
using HeaderSetter = std::function<void(std::size_t column, std::string text, const char* rule)>;

// What a rule's fix works on in redact: the whole table, held, with its roles as check decides them.
// A fix changes cells only through `set`, and changes nothing on a table its rule does not fail, so
// that redact may run every fix again until a pass changes nothing.
struct TableFix {
  const CompiledPolicy& policy;
  HeldTable& table;
  const std::vector<ColumnRole>& roles;
  const CellSetter& set;
  const HeaderSetter& set_header;
};

}  // namespace outcheck::rules
