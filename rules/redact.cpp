#include "rules/redact.h"

#include <algorithm>
#include <cstdio>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/count_rules.h"
#include "rules/derived_proof.h"
#include "rules/interval_proof.h"
#include "rules/rounding.h"
#include "rules/secondary.h"
#include "rules/table_check.h"
#include "rules/unrounded_rates.h"

namespace outcheck::rules {

namespace {

class Redactor {
 public:
  Redactor(const CompiledPolicy& policy, HeldTable& table)
      : policy_(policy), p_(policy.policy()), t_(table), column_roles_(table_roles(policy, table)) {
    for (std::size_t c = 0; c < column_roles_.size(); ++c) {
      roles_.push_back(column_roles_[c].role);
      if (!column_roles_[c].measure_rows.empty()) row_label_ = static_cast<int>(c);
    }
    for (const BoundPair& b : bound_pairs(t_.header)) {
      auto numeric = [&](int c) { return roles_[c] == Role::measure || roles_[c] == Role::rate; };
      if (numeric(b.lower) && numeric(b.upper)) bounds_.push_back(b);
    }
  }

  std::vector<RedactChange> run() {
    const std::vector<RateSource> sources = rate_sources();
    for (std::size_t r = 0; r < t_.rows.size(); ++r) {
      for (std::size_t c = 0; c < roles_.size(); ++c) {
        if (roles_[c] == Role::count) fix_count(r, c);
      }
    }
    for (const RateSource& s : sources) recompute_rate(s);
    for (std::size_t r = 0; r < t_.rows.size(); ++r) suppress_derived(r);
    recompute_unrounded_rates();
    protect_totals();
    return std::move(changes_);
  }

 private:
  std::string* cell(std::size_t r, std::size_t c) {
    auto& row = t_.rows[r];
    return c < row.size() ? &row[c] : nullptr;
  }

  // Records one change per cell, from its original text to its final one, under the last rule.
  void set(std::size_t r, std::size_t c, std::string value, const char* rule) {
    std::string* text = cell(r, c);
    if (!text || *text == value) return;
    auto same_cell = [&](const RedactChange& ch) { return ch.row == t_.records[r] && ch.column == t_.header[c]; };
    auto it = std::find_if(changes_.begin(), changes_.end(), same_cell);
    if (it != changes_.end()) {
      it->after = value;
      it->rule = rule;
    } else {
      changes_.push_back({t_.records[r], t_.header[c], *text, value, rule});
    }
    *text = std::move(value);
  }

  // A long table's row that holds measures (its label says Expected, say): no counts to fix.
  bool measure_row(std::size_t r) const {
    if (row_label_ < 0) return false;
    const auto& row = t_.rows[r];
    if (static_cast<std::size_t>(row_label_) >= row.size()) return false;
    const auto& labels = column_roles_[static_cast<std::size_t>(row_label_)].measure_rows;
    return std::find(labels.begin(), labels.end(), std::string(trim_spaces(row[static_cast<std::size_t>(row_label_)]))) !=
           labels.end();
  }

  // A count written in text ("2 (<0.1%)", "1164 (0.19)"): suppressed whole when small (its share
  // would give it back), else its leading count rounded in place, the rest of the cell kept.
  void fix_text_count(std::size_t r, std::size_t c, const std::string& text, std::int64_t n) {
    const CountKind kind = column_roles_[c].kind;
    const CountLimits limits = count_limits(p_);
    if (count_verdict(limits, kind, n) == CountVerdict::small) {
      set(r, c, kRedactedMarker, "small_count");
      return;
    }
    const std::int64_t out = round_half_even(n, kind.base > 1 ? kind.base : p_.rounding_base);
    if (count_verdict(limits, kind, out) == CountVerdict::small) {
      set(r, c, kRedactedMarker, "small_count");
      return;
    }
    if (out == n) return;
    // The leading number as written (digits and thousands commas), then the rest of the cell.
    std::size_t start = 0;
    while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
    std::size_t end = start;
    bool commas = false;
    while (end < text.size() && (is_digit(text[end]) || (text[end] == ',' && end + 1 < text.size() && is_digit(text[end + 1])))) {
      commas |= text[end] == ',';
      ++end;
    }
    std::string digits = std::to_string(out);
    if (commas) {
      for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
    }
    set(r, c, text.substr(0, start) + digits + text.substr(end), "unrounded");
  }

  void fix_count(std::size_t r, std::size_t c) {
    std::string* text = cell(r, c);
    if (!text) return;
    const CountKind kind = column_roles_[c].kind;
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

  // A rate computed from two counts of its row (proved as the check proves it, rules/derived_proof.h)
  // is computed again from the published counts once they are rounded: left as it was, with either
  // rounded count it gives the other's unrounded value back.
  struct RateSource {
    std::size_t row = 0, column = 0;
    Derivation derivation;
    int decimals = 0;
  };

  std::vector<RateSource> rate_sources() const {
    std::vector<RateSource> out;
    std::vector<Operand> counts;
    for (std::size_t r = 0; r < t_.rows.size(); ++r) {
      const auto& row = t_.rows[r];
      counts.clear();
      for (std::size_t c = 0; c < roles_.size() && c < row.size(); ++c) {
        if (roles_[c] != Role::count) continue;
        const Cell v = read_cell(policy_, row[c]);
        if (v.kind == CellKind::integer) counts.push_back({static_cast<int>(c), static_cast<double>(v.integer), Place::same_row, false});
      }
      if (counts.size() < 2) continue;
      for (std::size_t c = 0; c < roles_.size() && c < row.size(); ++c) {
        if (roles_[c] != Role::rate) continue;
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
    std::vector<int> column_decimals(roles_.size(), 0);
    for (const RateSource& s : out) column_decimals[s.column] = std::max(column_decimals[s.column], s.decimals);
    for (RateSource& s : out) s.decimals = column_decimals[s.column];
    return out;
  }

  void recompute_rate(const RateSource& s) {
    const auto& row = t_.rows[s.row];
    const auto numerator = read_cell(policy_, row[static_cast<std::size_t>(s.derivation.numerator.column)]);
    const auto denominator = read_cell(policy_, row[static_cast<std::size_t>(s.derivation.denominator.column)]);
    // A suppressed count takes its rate with it (suppress_derived).
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

  // Rates that the published counts of their row prove to be computed from the unrounded ones
  // (rules/unrounded_rates.h: the rule derived_from_unrounded): computed again from the published
  // counts, at the column's precision. Catches what recompute_rate cannot: a table whose counts were
  // already rounded when it reached redact, its rates not.
  void recompute_unrounded_rates() {
    auto set_cell = [this](std::size_t r, std::size_t c, std::string text, const char* rule) {
      set(r, c, std::move(text), rule);
    };
    fix_unrounded_rates(policy_, t_, column_roles_, set_cell);
  }

  // A rate on a row whose count is suppressed is suppressed too: it was computed from that count.
  void suppress_derived(std::size_t r) {
    bool redacted_count = false;
    for (std::size_t c = 0; c < roles_.size(); ++c) {
      if (roles_[c] != Role::count) continue;
      std::string* text = cell(r, c);
      if (text && read_cell(policy_, *text).kind == CellKind::marker) redacted_count = true;
    }
    if (!redacted_count) return;
    for (std::size_t c = 0; c < roles_.size(); ++c) {
      if (roles_[c] != Role::rate) continue;
      std::string* text = cell(r, c);
      if (text && parse_number(*text)) set(r, c, kRedactedMarker, "derived_from_small_count");
    }
    // An interval whose bounds alone fit one count of events (rules/interval_proof.h) goes too.
    for (const BoundPair& b : bounds_) {
      std::string* lower = cell(r, static_cast<std::size_t>(b.lower));
      std::string* upper = cell(r, static_cast<std::size_t>(b.upper));
      if (!lower || !upper) continue;
      const auto l = printed_number(*lower);
      const auto u = printed_number(*upper);
      if (!l || !u || !interval_implied_count(*l, *u)) continue;
      set(r, static_cast<std::size_t>(b.lower), kRedactedMarker, "derived_from_small_count");
      set(r, static_cast<std::size_t>(b.upper), kRedactedMarker, "derived_from_small_count");
    }
  }

  // Complementary suppression: while some redacted cell can be solved for, suppress the smallest
  // published cell of the line that gives it away (or, if none is left, that line's total).
  void protect_totals() {
    const std::size_t limit = t_.rows.size() * roles_.size() + 1;
    for (std::size_t round = 0; round < limit; ++round) {
      TableLayout layout = make_layout(policy_, t_, roles_);
      for (const auto& r : column_roles_) layout.bases.push_back(r.kind.midpoint6 ? 6 : r.kind.base);
      Grid grid = make_grid(policy_, t_, layout);
      std::vector<Exposure> exposed = find_exposures(grid);
      if (exposed.empty()) return;
      const Exposure& e = exposed.front();
      int best_r = -1, best_c = -1;
      std::int64_t best = 0;
      auto consider = [&](int i, int j) {
        auto at = grid.at(i, j);
        if (grid.state[at] != Grid::State::published) return;
        if (best_r < 0 || grid.value[at] < best) {
          best = grid.value[at];
          best_r = i;
          best_c = j;
        }
      };
      if (e.via_row) {
        for (int j = 0; j < grid.cols; ++j) consider(e.row, j);
      } else {
        for (int i = 0; i < grid.rows; ++i) consider(i, e.col);
      }
      std::size_t row, col;
      if (best_r >= 0) {
        row = static_cast<std::size_t>(layout.body_rows[static_cast<std::size_t>(best_r)]);
        col = static_cast<std::size_t>(layout.body_cols[static_cast<std::size_t>(best_c)]);
      } else if (e.via_row) {
        row = static_cast<std::size_t>(layout.body_rows[static_cast<std::size_t>(e.row)]);
        col = static_cast<std::size_t>(layout.total_col);
      } else {
        row = static_cast<std::size_t>(layout.total_row);
        col = static_cast<std::size_t>(layout.body_cols[static_cast<std::size_t>(e.col)]);
      }
      set(row, col, kRedactedMarker, "secondary_disclosure");
      suppress_derived(row);
    }
  }

  const CompiledPolicy& policy_;
  const Policy& p_;
  HeldTable& t_;
  std::vector<ColumnRole> column_roles_;
  std::vector<Role> roles_;
  int row_label_ = -1;  // a long table's column naming each row's measure
  std::vector<BoundPair> bounds_;  // the intervals' bound columns

  // A row labelled with a statistic (its text cells hold medians and the like, not counts), as the
  // check reads it.
  bool names_statistic_row(std::size_t r) const {
    const auto& row = t_.rows[r];
    for (std::size_t c = 0; c < row.size() && c < roles_.size(); ++c) {
      if ((roles_[c] == Role::category || roles_[c] == Role::identifier) && names_statistic(row[c])) return true;
    }
    return false;
  }
  std::vector<RedactChange> changes_;
};

}  // namespace

std::vector<RedactChange> redact_table(const CompiledPolicy& policy, HeldTable& table) {
  return Redactor(policy, table).run();
}

std::map<std::string, std::int64_t> failing_rules(const CompiledPolicy& policy, const HeldTable& table) {
  // TableCheck shares its policy; this one outlives the check, so it is lent, not owned.
  TableCheck check(std::shared_ptr<const CompiledPolicy>(std::shared_ptr<const CompiledPolicy>(), &policy), 1000);
  std::vector<std::string_view> fields(table.header.begin(), table.header.end());
  check.header(fields);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    fields.assign(table.rows[r].begin(), table.rows[r].end());
    check.record(table.records.empty() ? static_cast<std::int64_t>(r + 1) : table.records[r], fields);
  }
  FindingList found(1000);
  check.finish(found);
  std::map<std::string, std::int64_t> failing;
  for (const Finding& f : found.kept()) {
    if (f.outcome >= Outcome::fail) failing[f.rule] = found.counts().at(f.rule);
  }
  return failing;
}

}  // namespace outcheck::rules
