#pragma once
// Column roles (policy.md "Column roles") and how one cell is read. The roles themselves are
// decided by rules/table_roles.h, from the header and the table's first rows.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rules/cell_value.h"
#include "rules/compiled_policy.h"

namespace outcheck::rules {

enum class Role { patient_identifier, unsafe_statistic, identifier, dimension, rate, count, measure, category };

const char* role_name(Role role);

// read_cell for every cell that is not 1 to 8 digits, given how many of its first 8 characters
// are leading digits.
Cell read_cell_rest(const CompiledPolicy& policy, std::string_view text, std::size_t leading_digits);

// The kind of a cell whose first `i` characters (0 < i < its size) are digits, decided by syntax
// alone where is_number would agree, for a policy with no marker starting with that digit:
// digits '.' digits is a number (unless the fraction is all zeros: "12.0" is an integer, decided
// by the caller), and digits followed by anything but '.', an exponent or a space is text (a
// date, say). Nullopt when the full tests must decide.
inline std::optional<CellKind> digit_led_kind(std::string_view s, std::size_t i) {
  const char c = s[i];
  if (c == '.') {
    std::size_t j = i + 1;
    bool nonzero = j == s.size();  // "12." is a number
    for (; j < s.size() && is_digit(s[j]); ++j) nonzero |= s[j] != '0';
    if (j == s.size() && nonzero) return CellKind::number;
    return std::nullopt;
  }
  if (c != 'e' && c != 'E' && c != ' ' && c != '\t') return CellKind::text;
  return std::nullopt;
}

// Integers are tried before markers: no count is ever a marker, and it keeps the common case fast.
// Inline for that case, a plain count of up to 8 digits, which is most cells of most tables.
[[gnu::always_inline]] inline Cell read_cell(const CompiledPolicy& policy, std::string_view text) {
  const std::size_t n = text.size();
  if (n == 0) return read_cell_rest(policy, text, 0);
  const LeadingDigits d = leading_digits8(text.data(), n < 8 ? n : 8);
  if (d.count == n) return {CellKind::integer, static_cast<std::int64_t>(d.value)};
  // A decimal or a date: decided here when it can be, without the call.
  if (d.count != 0 && d.count != 8 && n <= 18 &&
      !policy.marker_may_start_with(static_cast<unsigned char>(text[0]))) {
    if (auto kind = digit_led_kind(text, d.count)) return {*kind, 0};
  }
  return read_cell_rest(policy, text, d.count);
}

// What the values of a column have been so far (markers are ignored).
struct ColumnStats {
  std::int64_t values = 0;    // cells that are not markers
  std::int64_t integers = 0;
  std::int64_t numbers = 0;   // non-integer numbers
  std::int64_t redacted = 0;  // markers other than the empty cell
  // Sums of comparisons rather than branches: a column of mixed kinds would mispredict them.
  void add(const Cell& cell, std::string_view text) {
    if (cell.kind == CellKind::marker) [[unlikely]] {
      if (!trim_spaces(text).empty()) ++redacted;
      return;
    }
    ++values;
    integers += cell.kind == CellKind::integer;
    numbers += cell.kind == CellKind::number;
  }
};

// More than half of a column's values identify people: the column is blocked, never counted.
inline bool mostly_identifiers(std::int64_t identifier_values, std::int64_t values) {
  return identifier_values > 0 && identifier_values * 2 > values;
}

// True when a cell looks like a person's identifier under the policy (NHS number, patterns).
// Always inline: it runs on every cell of 10 characters or more (a date is 10), and the length
// test rules most cells out; out of line, the call cost a date column 1.5% of a check.
[[gnu::always_inline]] inline bool is_identifier_cell(const CompiledPolicy& policy, std::string_view text) {
  return (policy.policy().nhs_number_values && may_be_nhs_number(text) && is_nhs_number(text)) ||
         policy.is_identifier_value(text);
}

// How a count column is rounded: midpoint-6 (its header or its values say so; `derived` for a
// `_derived` column), or consistently to `base`, a base of the policy's `rounding.accept` that its
// values show (0: the policy's own rule applies).
struct CountKind {
  bool midpoint6 = false;
  bool derived = false;
  std::int64_t base = 0;
  // Counts written inside text cells ("41,086 (16%)"): each cell's leading count is the count.
  bool in_text = false;
  // A long table's value column: counts only on the rows whose label names a count (the table's
  // row-label column, ColumnRole::measure_rows, names the others).
  bool by_row = false;
};
// What the header alone says: midpoint-6 and derived by the policy's midpoint6.columns.
CountKind count_kind(const CompiledPolicy& policy, std::string_view header);

}  // namespace outcheck::rules
