#include "rules/column_roles.h"

#include <cctype>

#include "rules/cell_value.h"

namespace outcheck::rules {

const char* role_name(Role role) {
  switch (role) {
    case Role::patient_identifier: return "patient_identifier";
    case Role::unsafe_statistic: return "unsafe_statistic";
    case Role::identifier: return "identifier";
    case Role::rate: return "rate";
    case Role::count: return "count";
    case Role::measure: return "measure";
    case Role::category: return "category";
  }
  return "category";
}

Cell read_cell(const CompiledPolicy& policy, std::string_view text) {
  // The common case, a plain count: up to 18 digits cannot overflow.
  if (!text.empty() && text.size() <= 18) {
    std::int64_t v = 0;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
      unsigned d = static_cast<unsigned char>(text[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == text.size()) return {CellKind::integer, v};
    // "12.0" is an integer (pandas writes counts so when a column had a missing value).
    if (i > 0 && text[i] == '.') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] == '0') ++j;
      if (j == text.size() && j > i + 1) return {CellKind::integer, v};
    }
    // Only signs and spaces can still make it an integer; anything else is decided below.
    char c = text[i];
    if (i > 0 || (c != ' ' && c != '\t' && c != '+' && c != '-')) {
      if (policy.is_marker(text)) return {CellKind::marker, 0};
      return {is_number(text) ? CellKind::number : CellKind::text, 0};
    }
  }
  if (auto n = parse_integer(text)) return {CellKind::integer, *n};
  if (policy.is_marker(text)) return {CellKind::marker, 0};
  if (is_number(text)) return {CellKind::number, 0};
  return {CellKind::text, 0};
}

void ColumnStats::add(const Cell& cell, std::string_view text) {
  if (cell.kind == CellKind::marker) {
    if (!trim_spaces(text).empty()) ++redacted;
    return;
  }
  ++values;
  if (cell.kind == CellKind::integer) ++integers;
  else if (cell.kind == CellKind::number) ++numbers;
}

Role decide_role(HeaderRole header_role, const ColumnStats& stats, bool pandas_index) {
  switch (header_role) {
    case HeaderRole::patient_identifier: return Role::patient_identifier;
    case HeaderRole::unsafe_statistic: return Role::unsafe_statistic;
    case HeaderRole::identifier: return Role::identifier;
    case HeaderRole::rate: return Role::rate;
    case HeaderRole::count: return Role::count;
    case HeaderRole::none: break;
  }
  if (pandas_index) return Role::category;
  if (stats.values > 0 && stats.integers == stats.values) return Role::count;
  // Every cell suppressed: a count column redacted whole. It still belongs to its rows' totals.
  if (stats.values == 0 && stats.redacted > 0) return Role::count;
  if (stats.values > 0 && stats.integers + stats.numbers == stats.values) return Role::measure;
  return Role::category;
}

bool is_identifier_cell(const CompiledPolicy& policy, std::string_view text) {
  // An NHS number has 10 digits, with at most two separators and some spaces around.
  const bool nhs_shaped = text.size() >= 10 && text.size() <= 16;
  return (nhs_shaped && policy.policy().nhs_number_values && is_nhs_number(text)) || policy.is_identifier_value(text);
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
