#include "tests/support/table_lines.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "rules/table_check.h"
#include "tests/support/policies.h"

namespace outcheck::test {

std::vector<std::string> split_fields(std::string_view line, char separator) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == separator) out.emplace_back();
    else out.back().push_back(c);
  }
  return out;
}

TableRun run_table_lines(const std::string& preset, const std::vector<std::string>& lines, std::size_t cap,
                         char separator) {
  rules::TableCheck check(compiled_preset(preset), cap);
  TableRun run{rules::FindingList(cap), {}, 0};
  std::int64_t index = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> fields = split_fields(lines[i], separator);
    std::vector<std::string_view> views(fields.begin(), fields.end());
    if (i == 0) check.header(views);
    else check.record(++index, views);
  }
  check.finish(run.findings);
  run.roles = check.column_roles();
  run.roles_read_on_rows = check.roles_read_on_rows();
  return run;
}

std::vector<std::string> finding_places(const rules::FindingList& findings) {
  std::vector<std::string> out;
  for (const rules::Finding& f : findings.kept()) {
    out.push_back(f.rule + " " + (f.row ? std::to_string(*f.row) : "-") + " " + (f.column ? *f.column : "-"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace outcheck::test
