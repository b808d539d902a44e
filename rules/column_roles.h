#pragma once
// Column roles (policy.md "Column roles"): the header decides first; a header that matches nothing
// is decided by its values over the whole column.
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/compiled_policy.h"

namespace outcheck::rules {

enum class Role { patient_identifier, unsafe_statistic, identifier, rate, count, measure, category };

const char* role_name(Role role);

enum class CellKind { marker, integer, number, text };

struct Cell {
  CellKind kind = CellKind::text;
  std::int64_t integer = 0;  // when kind == integer
};

// Integers are tried before markers: no count is ever a marker, and it keeps the common case fast.
Cell read_cell(const CompiledPolicy& policy, std::string_view text);

// What the values of a column have been so far (markers are ignored).
struct ColumnStats {
  std::int64_t values = 0;    // cells that are not markers
  std::int64_t integers = 0;
  std::int64_t numbers = 0;   // non-integer numbers
  std::int64_t redacted = 0;  // markers other than the empty cell
  void add(const Cell& cell, std::string_view text);
};

// `pandas_index`: the first column of a table whose header is empty.
Role decide_role(HeaderRole header_role, const ColumnStats& stats, bool pandas_index);

// More than half of a column's values identify people: the column is blocked, never counted.
inline bool mostly_identifiers(std::int64_t identifier_values, std::int64_t values) {
  return identifier_values > 0 && identifier_values * 2 > values;
}

// True when a cell looks like a person's identifier under the policy (NHS number, patterns).
bool is_identifier_cell(const CompiledPolicy& policy, std::string_view text);

// A count column whose header marks midpoint-6 rounding, and whether it holds derived values.
struct CountKind {
  bool midpoint6 = false;
  bool derived = false;
};
CountKind count_kind(const CompiledPolicy& policy, std::string_view header);

}  // namespace outcheck::rules
