#pragma once
// One read of a file, for `check` and `redact` alike: every byte hashed, and a CSV's bytes streamed
// through the reader (its dialect sniffed from the first bytes) to the table rules or to a visitor.
// This call owns the buffers, the rules thread and the hand-off between the two: a large file is
// read a slice at a time into a ring of buffers, this thread hashing and reading while the rules
// thread checks the records already read (checker/csv_scan.h), so memory stays at a few slices
// whatever the file's size.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "checker/csv_parser.h"
#include "rules/compiled_policy.h"
#include "rules/finding.h"
#include "rules/table_roles.h"

namespace outcheck::checker {

// Where the bytes go. At most one of `rules` and `records`; with neither, the file is only hashed.
struct ScanSinks {
  bool hash = true;  // SHA-256 of every byte
  // The table rules, as `check` runs them: findings (the reader's malformed_csv and delimiter ones
  // among them) go to `findings`. A file larger than a slice gets its rules thread.
  std::shared_ptr<const rules::CompiledPolicy> rules;
  rules::FindingList* findings = nullptr;
  // Or the records themselves, and the reader's issues, to this visitor (`redact` holds the table).
  CsvVisitor* records = nullptr;
};

struct ScannedFile {
  std::int64_t size = 0;
  std::string sha256;  // hex, when hashed
  // A CSV's, when a sink read it:
  bool saw_header = false;
  std::int64_t data_records = 0;
  std::size_t header_fields = 0;
  CsvDialect dialect;
  // When the table rules ran: each column's role, and the rows the roles were decided on when the
  // table had more (rules::TableCheck::roles_read_on_rows), else 0.
  std::vector<rules::ColumnRole> column_roles;
  std::int64_t roles_read_on_rows = 0;
};

// Reads the open file `fd` to its end (it is not closed here). A read that fails gives an io error
// whose message does not name the file ("read failed: ..."): the caller does.
Result<ScannedFile> scan_file(int fd, const ScanSinks& sinks);

}  // namespace outcheck::checker
