#pragma once
// Tables written as lines for rule tests: the first line is the header, the others are data
// records 1, 2, ...; fields are split on every separator, with no quoting. Run through the same
// TableCheck the checker runs, a record at a time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/finding.h"
#include "rules/table_roles.h"

namespace outcheck::test {

std::vector<std::string> split_fields(std::string_view line, char separator = ',');

struct TableRun {
  rules::FindingList findings;
  std::vector<rules::ColumnRole> roles;
  std::int64_t roles_read_on_rows = 0;
};

// Under a built-in preset; `cap` findings kept per rule.
TableRun run_table_lines(const std::string& preset, const std::vector<std::string>& lines, std::size_t cap = 1000,
                         char separator = ',');

// Each kept finding as "rule row column" ("-" for no row or column), sorted.
std::vector<std::string> finding_places(const rules::FindingList& findings);

}  // namespace outcheck::test
