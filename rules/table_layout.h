#pragma once
// A table held in memory (for table-level rules and for redact) and where its totals are.
#include <cstdint>
#include <string>
#include <vector>

#include "rules/column_roles.h"
#include "rules/compiled_policy.h"
#include "rules/secondary.h"
#include "rules/table_roles.h"

namespace outcheck::rules {

struct HeldTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::int64_t> records;  // each row's 1-based data record index
};

struct TableLayout {
  std::vector<Role> roles;
  int category_col = -1;       // the first identifier or category column: its cells label rows
  int total_row = -1;          // the first row labelled as a total
  int total_col = -1;          // the first count column headed as a total
  std::vector<int> body_rows;  // rows that are not totals
  std::vector<int> body_cols;  // count columns that are not totals
  // Per column, the base its counts are rounded to when it is not the policy's (a base its values
  // show, or 6 for midpoint-6); empty or 0: the policy's.
  std::vector<std::int64_t> bases;
};

TableLayout make_layout(const CompiledPolicy& policy, const HeldTable& table, std::vector<Role> roles);

// The columns of a held table (their names, groups and roles), read on its first rows as
// TableCheck reads them.
TableColumns table_columns(const CompiledPolicy& policy, const HeldTable& table);

// The body as a grid with its margins, for find_exposures; empty (0x0) when the table has no totals.
// A total that some fully published line disproves beyond the rounding noise (an "All" column that
// counts the eligible population, not the sum of the columns beside it) is no total: each rounded
// cell may be off by half its base, so five cells rounded to 10 and their total leave +/-30.
Grid make_grid(const CompiledPolicy& policy, const HeldTable& table, const TableLayout& layout);

}  // namespace outcheck::rules
