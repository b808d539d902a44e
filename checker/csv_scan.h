#pragma once
// One CSV file's streaming pass: the RFC 4180 reader's issues become `malformed_csv` findings and
// its records feed the disclosure rules.
#include <memory>
#include <string>
#include <vector>

#include "checker/csv_parser.h"
#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/table_check.h"

namespace outcheck::checker {

class CsvScan : public CsvVisitor {
 public:
  CsvScan(std::shared_ptr<const rules::CompiledPolicy> policy, rules::FindingList& findings);

  void feed(std::string_view bytes) { parser_.feed(bytes); }
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
  CsvParser parser_;
  std::vector<std::string> header_;
};

}  // namespace outcheck::checker
