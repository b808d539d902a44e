#include "checker/csv_scan.h"

namespace outcheck::checker {

CsvScan::CsvScan(std::shared_ptr<const rules::CompiledPolicy> policy, rules::FindingList& findings, bool rules_thread,
                 ParseOn parse_on)
    : findings_(findings), table_(std::move(policy), findings.cap()), parser_(*this), parse_on_(parse_on) {
  if (rules_thread) worker_.emplace(table_, [this](std::string_view bytes) { parser_.feed(bytes); });
}

CsvScan::~CsvScan() {
  if (worker_) worker_->stop();
}

std::uint64_t CsvScan::feed(std::string_view bytes) {
  if (!sniffed_ && !bytes.empty()) {
    if (worker_) worker_->wait_parsed();  // nothing is being parsed while the dialect changes
    parser_.set_dialect(sniff_dialect(bytes));
    sniffed_ = true;
  }
  if (!worker_) {
    ++chunks_;
    parser_.feed(bytes);
    return 0;
  }
  bool here = false;
  switch (parse_on_) {
    // Parsing goes where there is time for it: here while the rules thread is behind, else there.
    case ParseOn::balanced: here = worker_->behind(); break;
    case ParseOn::feeding_thread: here = true; break;
    case ParseOn::rules_thread: here = false; break;
    case ParseOn::alternately: here = chunks_ % 2 == 1; break;
  }
  ++chunks_;
  if (here) {
    worker_->wait_parsed();
    parser_.feed(bytes);
  } else {
    worker_->parse(bytes);
    ++handed_over_;
  }
  return worker_->mark();
}

void CsvScan::settle(std::uint64_t mark) {
  if (worker_) worker_->wait(mark);
}

void CsvScan::on_header(std::span<const std::string_view> fields) {
  for (auto f : fields) header_.emplace_back(f);
  table_.header(fields);
}

void CsvScan::on_record(std::int64_t index, std::int64_t, std::span<const std::string_view> fields) {
  if (worker_) worker_->record(index, fields);
  else table_.record(index, fields);
}

void CsvScan::on_records(const CsvRecords& records) {
  if (worker_) worker_->records(records);
  else table_.records(records);
}

// Issues come from whichever thread is parsing (one at a time, in order); they are gathered here
// and become one finding in finish(). A record may have several (an open quote and too few fields):
// the count is of records.
void CsvScan::on_issue(const CsvIssue& issue) {
  if (issue.record != last_bad_record_) {
    ++bad_records_;
    last_bad_record_ = issue.record;
  }
  if (!first_issue_) first_issue_ = issue;
}

namespace {

// The `malformed_csv` finding of a file whose first issue is `issue`, among `records` bad records.
rules::Finding malformed_finding(const CsvIssue& issue, std::int64_t records, const std::vector<std::string>& header) {
  rules::Finding f;
  f.rule = "malformed_csv";
  f.outcome = rules::Outcome::fail;
  // The header's own issues name no column: its names are what is in doubt.
  if (issue.record > 0) f.row = issue.record;
  if (issue.record > 0 && issue.field >= 0 && static_cast<std::size_t>(issue.field) < header.size()) {
    f.column = header[issue.field];
  }
  std::string where = "line " + std::to_string(issue.line);
  if (issue.record == 0) where = "the header (" + where + ")";
  switch (issue.kind) {
    case CsvIssueKind::unterminated_quote:
      f.message = "a quoted field opened on " + where + " is never closed";
      break;
    case CsvIssueKind::stray_quote:
      f.message = "a quote inside an unquoted field, or text after a closing quote, on " + where;
      break;
    case CsvIssueKind::nul_byte:
      f.message = "a NUL byte on " + where + "; this is not a text CSV";
      break;
    case CsvIssueKind::invalid_utf8:
      f.message = "bytes that are not valid UTF-8 on " + where;
      break;
    case CsvIssueKind::ragged_row:
      // Alone, the finding's row says which record; among several, the message does.
      f.message = (records > 1 ? "row " + std::to_string(issue.record) + " " : std::string()) + "has " +
                  std::to_string(issue.got) + " fields but the header has " + std::to_string(issue.expected) + " (" +
                  where + ")";
      break;
  }
  if (records > 1) f.message = std::to_string(records) + " malformed records; the first: " + f.message;
  return f;
}

std::string delimiter_name(char c) {
  switch (c) {
    case '\t': return "tabs";
    case ';': return "semicolons";
    case '|': return "vertical bars";
    case ' ': return "spaces";
    default: return std::string("'") + c + "' characters";
  }
}

}  // namespace

void CsvScan::finish() {
  if (worker_) worker_->wait_parsed();
  parser_.finish();
  if (worker_) worker_->finish();
  const CsvDialect& dialect = parser_.dialect();
  if (dialect.delimiter != ',') {
    rules::Finding f;
    f.rule = "delimiter";
    f.outcome = rules::Outcome::review;
    f.message = "separated by " + delimiter_name(dialect.delimiter) +
                (dialect.sep_line ? " (as its first line, sep=, says)" : "") +
                ", not commas: checked as such; confirm the file is what it claims to be";
    findings_.add(std::move(f));
  }
  if (first_issue_) findings_.add(malformed_finding(*first_issue_, bad_records_, header_));
  if (!parser_.saw_header()) {
    rules::Finding f;
    f.rule = "malformed_csv";
    f.outcome = rules::Outcome::fail;
    f.message = "the file is empty: a CSV needs at least a header row";
    findings_.add(std::move(f));
    return;
  }
  table_.finish(findings_);
}

}  // namespace outcheck::checker
