#pragma once
// One CSV file's streaming pass: the RFC 4180 reader's issues become `malformed_csv` findings and
// its records feed the disclosure rules.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/csv_parser.h"
#include "checker/table_worker.h"
#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/table_check.h"

namespace outcheck::checker {

class CsvScan : public CsvVisitor {
 public:
  // With `rules_thread`, the table rules run on a thread of their own while this one reads (for
  // large files); the findings are the same either way.
  CsvScan(std::shared_ptr<const rules::CompiledPolicy> policy, rules::FindingList& findings, bool rules_thread = false);

  // Reads `bytes`. With a rules thread, they must stay readable until settle(the returned mark)
  // returns, or until finish().
  std::uint64_t feed(std::string_view bytes);
  void settle(std::uint64_t mark);
  void finish();

  std::int64_t data_records() const { return parser_.data_records(); }
  std::size_t header_fields() const { return parser_.header_fields(); }

  void on_header(std::span<const std::string_view> fields) override;
  void on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) override;
  void on_records(const CsvRecords& records) override;
  void on_issue(const CsvIssue& issue) override;

 private:
  rules::FindingList& findings_;
  rules::TableCheck table_;
  std::optional<TableWorker> worker_;  // declared after table_: stopped before it goes
  CsvParser parser_;
  std::vector<std::string> header_;
};

}  // namespace outcheck::checker
