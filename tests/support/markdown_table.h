#pragma once
// The rows of a Markdown table in a spec (interface.md, policy.md), for tests that hold code equal
// to the contract's tables.
#include <string>
#include <vector>

namespace outcheck::test {

// Rows, as trimmed cells, of the tables under the heading line `heading` (up to the next heading of
// any level) whose first cell is a code span: "| `small_count` | fail | ... |". A cell's "\|" is
// kept as "|" inside the cell.
std::vector<std::vector<std::string>> markdown_table_rows(const std::string& markdown, const std::string& heading);

// "`small_count`" -> "small_count".
std::string unquote_code(const std::string& cell);

}  // namespace outcheck::test
