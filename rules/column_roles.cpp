#include "rules/column_roles.h"

#include <cctype>

#include "rules/cell_value.h"

namespace outcheck::rules {

const char* role_name(Role role) {
  switch (role) {
    case Role::patient_identifier: return "patient_identifier";
    case Role::unsafe_statistic: return "unsafe_statistic";
    case Role::identifier: return "identifier";
    case Role::dimension: return "dimension";
    case Role::rate: return "rate";
    case Role::count: return "count";
    case Role::measure: return "measure";
    case Role::category: return "category";
  }
  return "category";
}

Cell read_cell_rest(const CompiledPolicy& policy, std::string_view text, std::size_t leading_digits) {
  const std::size_t n = text.size();
  if (n != 0 && n <= 18) {  // up to 18 digits cannot overflow
    const char* s = text.data();
    std::size_t i = leading_digits;
    if (i == 8) {
      while (i < n && is_digit(s[i])) ++i;
    }
    // The value of the leading digits, wanted only when the cell turns out an integer.
    auto value = [&] {
      std::int64_t v = 0;
      for (std::size_t k = 0; k < i; ++k) v = v * 10 + (s[k] - '0');
      return v;
    };
    if (i == n) return {CellKind::integer, value()};
    if (i > 0) {
      // Spaces after the digits ("3 ", as a spreadsheet leaves them) still make a count: never let
      // padding carry a small number past the rules.
      if (s[n - 1] == ' ' || s[n - 1] == '\t') {
        if (auto parsed = parse_integer(text)) return {CellKind::integer, *parsed};
      }
      // "12.0" is an integer (pandas writes counts so when a column had a missing value).
      if (s[i] == '.') {
        std::size_t j = i + 1;
        while (j < n && s[j] == '0') ++j;
        if (j == n && j > i + 1) return {CellKind::integer, value()};
      }
      // From here a cell that starts with a digit is a marker, a number or text, in that order.
      const bool may_be_marker = policy.marker_may_start_with(static_cast<unsigned char>(s[0]));
      if (!may_be_marker) {
        if (auto kind = digit_led_kind(text, i)) return {*kind, 0};
      }
      if (may_be_marker && policy.is_marker(text)) return {CellKind::marker, 0};
      return {is_number(text) ? CellKind::number : CellKind::text, 0};
    }
    // Only signs and spaces can still make it an integer; anything else is decided below.
    char c = s[0];
    if (c != ' ' && c != '\t' && c != '+' && c != '-') {
      if (policy.is_marker(text)) return {CellKind::marker, 0};
      return {is_number(text) ? CellKind::number : CellKind::text, 0};
    }
  }
  if (auto parsed = parse_integer(text)) return {CellKind::integer, *parsed};
  if (policy.is_marker(text)) return {CellKind::marker, 0};
  if (is_number(text)) return {CellKind::number, 0};
  return {CellKind::text, 0};
}

CountKind count_kind(const CompiledPolicy& policy, std::string_view header) {
  CountKind k;
  k.midpoint6 = policy.is_midpoint6(header);
  if (k.midpoint6) {
    std::string lower;
    for (char c : header) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    k.derived = lower.size() >= 8 && lower.compare(lower.size() - 8, 8, "_derived") == 0;
  }
  return k;
}

}  // namespace outcheck::rules
