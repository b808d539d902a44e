#pragma once
// Disclosure rules over one CSV table, fed a record or a batch of records at a time. No files, no
// printing: the checker streams records in; findings come out in a FindingList.
//
// Every column's role is decided first, on the table's first rows (rules/table_roles.h), which are
// held until then; the rules then run over them and over the rest of the table as it streams, with
// the roles fixed. Memory stays bounded whatever the table's size: the first rows are bounded
// (TableSample), per-cell findings are held per column (at most `cap` per rule), and no row is held
// after them: secondary disclosure keeps each column's running sum and only the rows holding
// redacted cells (rules/secondary_stream.h).
//
// The column loop here judges every cell once for the count rules (small_count, unrounded) and
// identifier values, and decides the columns' final roles; the other table rules are units
// (rules/table_rule.h) made from the registry (rules/rule_registry.h) and given each batch of
// records after the loop. A table's findings come in this order: column-level ones (patient_id,
// unsafe_statistic), identifier values, counts, each unit's in registry order, then counts written
// in headers.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/packed_records.h"
#include "rules/table_roles.h"

namespace outcheck::rules {

class TableCheck {
 public:
  TableCheck(std::shared_ptr<const CompiledPolicy> policy, std::size_t cap_per_rule);
  ~TableCheck();
  TableCheck(const TableCheck&) = delete;
  TableCheck& operator=(const TableCheck&) = delete;

  void header(std::span<const std::string_view> fields);
  void record(std::int64_t index, std::span<const std::string_view> fields);
  // Consecutive records, as a reader packs them. The same findings as one record() call per
  // record, found faster (a column at a time).
  void records(const PackedRecords& records);
  // Releases held findings and runs the table-level rules (deciding the roles first, for a table
  // shorter than the rows they are decided on).
  void finish(FindingList& out);

  // After finish(): each column's role and the evidence for it.
  const std::vector<ColumnRole>& column_roles() const;
  // The same, taken (a table may have a million columns): column_roles() is empty after.
  std::vector<ColumnRole> take_column_roles();
  // The rows the roles were decided on, when the table had more (the rest kept those roles); else 0.
  std::int64_t roles_read_on_rows() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outcheck::rules
