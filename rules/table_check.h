#pragma once
// Disclosure rules over one CSV table, fed a record or a batch of records at a time. No files, no
// printing: the checker streams records in; findings come out in a FindingList.
//
// Memory stays bounded whatever the table's size: per-cell findings are held per column (at most
// `cap` per rule) until the column's role is known, and the table itself is held only up to the
// policy's release row limit, for the rules that need all of it (secondary disclosure).
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/packed_records.h"

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
  // Decides the roles still open, releases held findings, runs the table-level rules.
  void finish(FindingList& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outcheck::rules
