#pragma once
// One CSV file's streaming pass: the RFC 4180 reader's records feed the disclosure rules, and its
// issues become one `malformed_csv` finding (the count of bad records, and the first one). The
// delimiter is sniffed from the first bytes fed (sniff_dialect); a file not separated by commas
// gets a `delimiter` finding (review), since a `.csv` is meant to be.
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

// With a rules thread, which thread parses each chunk fed. `balanced` is what the checker uses: the
// feeding thread parses while the rules thread is behind, else hands the bytes over. The others fix
// the choice, so that tests see every way (the findings are the same whichever).
enum class ParseOn { balanced, feeding_thread, rules_thread, alternately };

class CsvScan : public CsvVisitor {
 public:
  // With `rules_thread`, a second thread runs the table rules, and parses whatever this one hands
  // it (for large files); the findings are the same either way. The findings list may then be
  // written by either thread until finish().
  CsvScan(std::shared_ptr<const rules::CompiledPolicy> policy, rules::FindingList& findings, bool rules_thread = false,
          ParseOn parse_on = ParseOn::balanced);
  // Stops the rules thread first: it reads worker_ (on_records) until it is joined, and
  // std::optional marks itself empty before destroying what it holds.
  ~CsvScan();
  CsvScan(const CsvScan&) = delete;
  CsvScan& operator=(const CsvScan&) = delete;

  // Reads `bytes`; the first that are not empty decide the dialect (sniff_dialect). With a rules
  // thread, they must stay readable until settle(the returned mark) returns, or until finish().
  std::uint64_t feed(std::string_view bytes);
  void settle(std::uint64_t mark);
  void finish();

  std::int64_t data_records() const { return parser_.data_records(); }
  // Chunks fed, and those of them handed to the rules thread to parse (it may have handed some
  // back: TableWorker::wait_parsed).
  std::uint64_t chunks() const { return chunks_; }
  std::uint64_t chunks_handed_over() const { return handed_over_; }
  // Times the feeding thread, parsing a chunk itself, handed its batches over before the chunk's
  // end because the rules thread waited for work (TableWorker::records).
  std::uint64_t early_hand_overs() { return worker_ ? worker_->early_hand_overs() : 0; }
  bool saw_header() const { return parser_.saw_header(); }
  std::size_t header_fields() const { return parser_.header_fields(); }
  const CsvDialect& dialect() const { return parser_.dialect(); }
  // The table rules' state (column roles and the rest), once finish() has returned.
  const rules::TableCheck& table() const { return table_; }
  rules::TableCheck& table() { return table_; }

  void on_header(std::span<const std::string_view> fields) override;
  void on_record(std::int64_t index, std::int64_t line, std::span<const std::string_view> fields) override;
  void on_records(const CsvRecords& records) override;
  void on_issue(const CsvIssue& issue) override;

 private:
  rules::FindingList& findings_;
  rules::TableCheck table_;
  CsvParser parser_;
  std::vector<std::string> header_;
  bool sniffed_ = false;
  // The reader's issues so far: the first, and how many records they concern.
  std::optional<CsvIssue> first_issue_;
  std::int64_t bad_records_ = 0;
  std::int64_t last_bad_record_ = -1;
  ParseOn parse_on_;
  std::uint64_t chunks_ = 0, handed_over_ = 0;
  // Last, so stopped before the rest goes: its thread uses all of them.
  std::optional<TableWorker> worker_;
};

}  // namespace outcheck::checker
