#include "rules/count_fix.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_rules.h"
#include "rules/derived_proof.h"
#include "rules/header_counts.h"
#include "rules/rounding.h"

namespace outcheck::rules {

namespace {

class CountFix {
 public:
  explicit CountFix(const TableFix& fix) : fix_(fix), policy_(fix.policy), p_(fix.policy.policy()), t_(fix.table) {
    for (std::size_t c = 0; c < fix.roles.size(); ++c) {
      if (!fix.roles[c].measure_rows.empty()) row_label_ = static_cast<int>(c);
    }
  }

  void run() {
    const std::vector<RateSource> sources = rate_sources();
    for (std::size_t r = 0; r < t_.rows.size(); ++r) {
      for (std::size_t c = 0; c < fix_.roles.size(); ++c) {
        if (fix_.roles[c].role == Role::count) fix_count(r, c);
      }
    }
    for (const RateSource& s : sources) recompute_rate(s);
  }

 private:
  std::string* cell(std::size_t r, std::size_t c) {
    auto& row = t_.rows[r];
    return c < row.size() ? &row[c] : nullptr;
  }
  void set(std::size_t r, std::size_t c, std::string text, const char* rule) { fix_.set(r, c, std::move(text), rule); }

  // A long table's row that holds measures (its label says Expected, say): no counts to fix.
  bool measure_row(std::size_t r) const {
    if (row_label_ < 0) return false;
    const auto& row = t_.rows[r];
    if (static_cast<std::size_t>(row_label_) >= row.size()) return false;
    const auto& labels = fix_.roles[static_cast<std::size_t>(row_label_)].measure_rows;
    return std::binary_search(labels.begin(), labels.end(), trim_spaces(row[static_cast<std::size_t>(row_label_)]),
                              std::less<>{});
  }

  // A row labelled with a statistic (its text cells hold medians and the like, not counts), as the
  // check reads it.
  // Asked for each count in text of the row (a wide table has thousands): read once per row.
  bool names_statistic_row(std::size_t r) {
    if (statistic_row_at_ == r) return statistic_row_;
    const auto& row = t_.rows[r];
    statistic_row_at_ = r;
    statistic_row_ = false;
    for (std::size_t c = 0; c < row.size() && c < fix_.roles.size() && !statistic_row_; ++c) {
      const Role role = fix_.roles[c].role;
      statistic_row_ = (role == Role::category || role == Role::identifier) && names_statistic(row[c]);
    }
    return statistic_row_;
  }

  // A count written in text ("2 (<0.1%)", "1164 (0.19)"): suppressed whole when small (its share
  // would give it back), else its leading count rounded in place, the rest of the cell kept.
  void fix_text_count(std::size_t r, std::size_t c, const std::string& text, std::int64_t n) {
    // The leading number as written (digits and thousands commas), then the rest of the cell.
    std::size_t start = 0;
    while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
    std::size_t end = start;
    bool commas = false;
    while (end < text.size() && (is_digit(text[end]) || (text[end] == ',' && end + 1 < text.size() && is_digit(text[end + 1])))) {
      commas |= text[end] == ',';
      ++end;
    }
    const auto fixed = fix_written_count(count_limits(p_), fix_.roles[c].kind, p_.rounding_base, n, commas);
    if (!fixed) return;
    // A small count is suppressed whole: its share would give it back.
    if (fixed->suppressed) set(r, c, kRedactedMarker, fixed->rule);
    else set(r, c, text.substr(0, start) + fixed->text + text.substr(end), fixed->rule);
  }

  void fix_count(std::size_t r, std::size_t c) {
    std::string* text = cell(r, c);
    if (!text) return;
    const CountKind kind = fix_.roles[c].kind;
    if (kind.by_row && measure_row(r)) return;
    Cell v = read_cell(policy_, *text);
    if (kind.in_text && v.kind == CellKind::text && !names_statistic_row(r)) {
      if (const auto n = leading_count(*text)) fix_text_count(r, c, std::string(*text), *n);
      return;
    }
    if (v.kind != CellKind::integer || v.integer < 0) return;
    const std::int64_t n = v.integer;
    std::int64_t out = n;
    if (kind.midpoint6) {
      out = kind.derived ? midpoint6_derived(n) : midpoint6(n);
      if (out != n) set(r, c, std::to_string(out), "unrounded");
      return;
    }
    // The check's own verdicts, so that the copy passes it: a column rounded to an accepted base
    // keeps that base.
    const CountLimits limits = count_limits(p_);
    if (count_verdict(limits, kind, n) == CountVerdict::small) {
      set(r, c, kRedactedMarker, "small_count");
      return;
    }
    out = round_half_even(n, kind.base > 1 ? kind.base : p_.rounding_base);
    // Rounding down can land on a small count (threshold 12, base 10: 13 -> 10).
    if (count_verdict(limits, kind, out) == CountVerdict::small) set(r, c, kRedactedMarker, "small_count");
    else if (out != n) set(r, c, std::to_string(out), "unrounded");
  }

  // A rate computed from two counts of its row (proved as the check proves it, rules/derived_proof.h).
  struct RateSource {
    std::size_t row = 0, column = 0;
    Derivation derivation;
    int decimals = 0;
  };

  std::vector<RateSource> rate_sources() const {
    std::vector<RateSource> out;
    std::vector<Operand> counts;
    const auto& roles = fix_.roles;
    for (std::size_t r = 0; r < t_.rows.size(); ++r) {
      const auto& row = t_.rows[r];
      counts.clear();
      for (std::size_t c = 0; c < roles.size() && c < row.size(); ++c) {
        if (roles[c].role != Role::count) continue;
        const Cell v = read_cell(policy_, row[c]);
        if (v.kind == CellKind::integer) counts.push_back({static_cast<int>(c), static_cast<double>(v.integer), Place::same_row, false});
      }
      if (counts.size() < 2) continue;
      for (std::size_t c = 0; c < roles.size() && c < row.size(); ++c) {
        if (roles[c].role != Role::rate) continue;
        const auto x = printed_number(row[c]);
        if (!x) continue;
        const auto d = derive(*x, counts, counts, /*small=*/false);
        if (!d) continue;
        const std::string_view text = trim_spaces(row[c]);
        const auto point = text.find('.');
        if (text.find_first_of("eE") != std::string_view::npos) continue;
        const int decimals = point == std::string_view::npos ? 0 : static_cast<int>(text.size() - point - 1);
        out.push_back({r, c, *d, decimals});
      }
    }
    // Printed to the column's precision: "29.2" in a column of "27.43" lost its trailing zero.
    std::vector<int> column_decimals(roles.size(), 0);
    for (const RateSource& s : out) column_decimals[s.column] = std::max(column_decimals[s.column], s.decimals);
    for (RateSource& s : out) s.decimals = column_decimals[s.column];
    return out;
  }

  void recompute_rate(const RateSource& s) {
    const auto& row = t_.rows[s.row];
    const auto numerator = read_cell(policy_, row[static_cast<std::size_t>(s.derivation.numerator.column)]);
    const auto denominator = read_cell(policy_, row[static_cast<std::size_t>(s.derivation.denominator.column)]);
    // A suppressed count takes its rate with it (derived_from_small_count's fix).
    if (numerator.kind != CellKind::integer || denominator.kind != CellKind::integer || denominator.integer <= 0) return;
    // Counts left as they were: so is the rate, as printed.
    if (static_cast<double>(numerator.integer) == s.derivation.numerator.value &&
        static_cast<double>(denominator.integer) == s.derivation.denominator.value) {
      return;
    }
    const double share = static_cast<double>(numerator.integer) / static_cast<double>(denominator.integer);
    const double value = s.derivation.scale * (s.derivation.complement ? 1 - share : share);
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", s.decimals, value);
    if (trim_spaces(row[s.column]) != text) set(s.row, s.column, text, "unrounded");
  }

  const TableFix& fix_;
  const CompiledPolicy& policy_;
  const Policy& p_;
  HeldTable& t_;
  int row_label_ = -1;  // a long table's column naming each row's measure
  std::size_t statistic_row_at_ = static_cast<std::size_t>(-1);  // the row names_statistic_row last read
  bool statistic_row_ = false;
};

}  // namespace

std::optional<WrittenCountFix> fix_written_count(const CountLimits& limits, const CountKind& kind,
                                                 std::int64_t rounding_base, std::int64_t n, bool commas) {
  if (count_verdict(limits, kind, n) == CountVerdict::small) return WrittenCountFix{kRedactedMarker, "small_count", true};
  const std::int64_t out = round_half_even(n, kind.base > 1 ? kind.base : rounding_base);
  if (count_verdict(limits, kind, out) == CountVerdict::small) return WrittenCountFix{kRedactedMarker, "small_count", true};
  if (out == n) return std::nullopt;
  std::string digits = std::to_string(out);
  if (commas) {
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  }
  return WrittenCountFix{std::move(digits), "unrounded", false};
}

void fix_counts(const TableFix& fix) {
  CountFix(fix).run();
  fix_header_counts(fix);
}

}  // namespace outcheck::rules
