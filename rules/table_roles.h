#pragma once
// The table reader's judgement (policy.md "Column roles"): every column's role and the evidence for
// it, decided once from the header and the table's first rows, before any rule runs on a cell.
// Check and redact both read roles from here; no rule decides a role again.
//
// The header decides first. A column whose header matches nothing is read from its values and the
// table's structure: integers that index the table (with the category columns they identify the
// rows, and their values repeat across blocks or run as a regular axis, or they are the codes of a
// category) are dimensions; other integers are counts, whose values may show midpoint-6 rounding or
// an accepted rounding base. Weak evidence leaves a column a count, and says what was seen.
#include <span>
#include <string>
#include <vector>

#include "rules/column_roles.h"
#include "rules/compiled_policy.h"
#include "rules/table_sample.h"

namespace outcheck::rules {

struct ColumnRole {
  std::string name;  // the header field
  Role role = Role::category;
  CountKind kind;   // for counts: how they are rounded
  std::string why;  // the evidence, in a few words
  // For the row-label column of a long table (its cells name each row's measure: Population,
  // Observed, Expected): the labels of the rows that hold measures, not counts.
  std::vector<std::string> measure_rows;
};

// `role_words`: per column, the words its header role is read from (TwoRowHeader::role_words, for a
// header on two rows); empty: the header's names.
std::vector<ColumnRole> decide_roles(const CompiledPolicy& policy, std::span<const std::string> header,
                                     const TableSample& sample, std::span<const std::string> role_words = {});

// A table's columns as check and redact both read them: when the sample's first row is a second
// header row (rules/header_rows.h), it names the columns with the header and is dropped from the
// sample; then every column's role is decided on the rows left.
struct TableColumns {
  std::vector<std::string> names;   // the header's, or "first / second"
  std::vector<std::string> groups;  // per column, a two-level header's second level, or ""
  std::vector<ColumnRole> roles;
  bool second_header_row = false;   // the sample's first row was one, and is gone from it
};
TableColumns read_columns(const CompiledPolicy& policy, std::span<const std::string> header, TableSample& sample);

// Whether the table is keyed by practice: a column named for practices (organisation_codes.h) whose
// values identify the rows alone, or with a date or period column (a row per practice, or per
// practice and period). Returns that column, or -1.
int practice_key(std::span<const std::string> header, const std::vector<ColumnRole>& roles, const TableSample& sample);

// A header or a row label that names a statistic (median, IQR, mean, SD, ...): the numbers under or
// beside it are that statistic, not counts.
bool names_statistic(std::string_view text);

// "count_midpoint6" for a midpoint-6 count column, else role_name(role).
const char* role_report_name(const ColumnRole& role);

}  // namespace outcheck::rules
