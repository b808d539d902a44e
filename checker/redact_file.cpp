#include "checker/redact_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "checker/atomic_file.h"
#include "checker/csv_parser.h"
#include "checker/csv_writer.h"
#include "checker/file_scan.h"
#include "checker/json_text.h"
#include "checker/policy_set.h"

namespace fs = std::filesystem;

namespace outcheck::checker {

namespace {

class TableReader : public CsvVisitor {
 public:
  rules::HeldTable table;
  std::optional<CsvIssue> first_issue;

  void on_header(std::span<const std::string_view> fields) override {
    table.header.assign(fields.begin(), fields.end());
  }
  void on_record(std::int64_t index, std::int64_t, std::span<const std::string_view> fields) override {
    table.rows.emplace_back(fields.begin(), fields.end());
    table.records.push_back(index);
  }
  void on_issue(const CsvIssue& issue) override {
    if (!first_issue) first_issue = issue;
  }
};

std::string describe(const CsvIssue& i) {
  std::string where = i.record > 0 ? "row " + std::to_string(i.record) + " (line " + std::to_string(i.line) + ")"
                                   : "the header (line " + std::to_string(i.line) + ")";
  switch (i.kind) {
    case CsvIssueKind::unterminated_quote: return where + ": a quoted field is never closed";
    case CsvIssueKind::stray_quote: return where + ": a quote inside an unquoted field, or text after a closing quote";
    case CsvIssueKind::nul_byte: return where + ": a NUL byte";
    case CsvIssueKind::invalid_utf8: return where + ": bytes that are not valid UTF-8";
    case CsvIssueKind::ragged_row:
      return where + ": " + std::to_string(i.got) + " fields, but the header has " + std::to_string(i.expected);
  }
  return where;
}

}  // namespace

Result<RedactResult> redact_file(const std::string& in, const std::string& out, const rules::CompiledPolicy& policy,
                                 const std::string& report) {
  std::error_code ec;
  if (!fs::exists(in, ec)) return not_found(in + ": no such file");
  if (!fs::is_regular_file(in, ec)) return invalid_input(in + ": not a regular file; redact reads one CSV file");
  if (fs::exists(out, ec) && fs::equivalent(in, out, ec)) {
    return invalid_input(out + ": is the input file; redact never overwrites its input, name another -o file");
  }
  int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(in + ": cannot be read: " + std::strerror(errno));
  // Read as `check` reads it (checker/file_scan.h): the same slices, the same sniffed delimiter.
  TableReader reader;
  ScanSinks sinks;
  sinks.hash = false;
  sinks.records = &reader;
  auto scanned = scan_file(fd, sinks);
  ::close(fd);
  if (!scanned) return io_error(in + ": " + scanned.error().message);
  if (reader.first_issue) {
    return invalid_input(in + ": " + describe(*reader.first_issue) + "; redact needs a well-formed CSV, fix it first");
  }
  if (!scanned->saw_header) return invalid_input(in + ": the file is empty; there is nothing to redact");

  RedactResult result;
  result.rows = scanned->data_records;
  result.changes = rules::redact_table(policy, reader.table, &result.still_failing);

  // Written as it was read: with its delimiter, and its `sep=X` line when it had one.
  const CsvDialect dialect = scanned->dialect;
  std::string text;
  if (dialect.sep_line) text += std::string("sep=") + dialect.delimiter + "\n";
  append_csv_row(text, reader.table.header, dialect.delimiter);
  for (const auto& row : reader.table.rows) append_csv_row(text, row, dialect.delimiter);
  if (report.empty()) {
    OUTCHECK_TRY(write_file_atomically(out, text));
  } else {
    const std::string json = json_text(redact_report_json(in, out, policy.policy(), result), 2) + "\n";
    OUTCHECK_TRY(write_files_atomically({{out, text}, {report, json}}));
  }
  return result;
}

nlohmann::json redact_report_json(const std::string& in, const std::string& out, const rules::Policy& policy,
                                  const RedactResult& result) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : result.changes) {
    changes.push_back({{"row", c.row}, {"column", c.column}, {"before", c.before}, {"after", c.after}, {"rule", c.rule}});
  }
  return {{"schema", "outcheck.redact/1"}, {"input", in},           {"output", out},
          {"policy", policy_to_json(policy)}, {"rows", result.rows}, {"changes", std::move(changes)},
          {"still_failing", result.still_failing}};
}

std::string redact_report_text(const RedactResult& result) {
  std::string out;
  std::size_t headers = 0;
  for (const auto& c : result.changes) {
    // Row 0 is the header line (a count written in a header: "N = 525,734").
    headers += c.row == 0;
    out += (c.row == 0 ? std::string("header") : "row " + std::to_string(c.row)) + " column \"" + c.column + "\": " +
           c.before + " -> " + c.after + " (" + c.rule + ")\n";
  }
  out += std::to_string(result.changes.size() - headers) + " cells " +
         (headers > 0 ? "and " + std::to_string(headers) + (headers == 1 ? " header " : " headers ") : std::string()) +
         "changed in " + std::to_string(result.rows) + " rows\n";
  if (!result.still_failing.empty()) {
    out += "the copy still fails:";
    for (const auto& [rule, n] : result.still_failing) out += " " + rule + " (" + std::to_string(n) + ")";
    out += "; redact cannot fix these: run outcheck check on the copy to see them\n";
  }
  return out;
}

}  // namespace outcheck::checker
