#include "rules/unrounded_rates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "rules/cell_value.h"

namespace outcheck::rules {

namespace {

constexpr int kScales[] = {1, 100, 1000, 100000};

struct Rate {
  double value = 0;
  double tolerance = 0;  // half a unit of the last printed digit (an integer: half of one)
  int decimals = 0;
};

std::optional<Rate> read_rate(std::string_view text) {
  const std::string_view s = trim_spaces(text);
  if (s.find_first_of("eE") != std::string_view::npos) return std::nullopt;
  const auto v = parse_number(s);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  Rate r;
  r.value = *v;
  const auto point = s.find('.');
  r.decimals = point == std::string_view::npos ? 0 : static_cast<int>(s.size() - point - 1);
  static constexpr double kHalfUnit[] = {0.5, 0.05, 0.005, 5e-4, 5e-5, 5e-6, 5e-7, 5e-8, 5e-9, 5e-10};
  r.tolerance = (r.decimals < 10 ? kHalfUnit[r.decimals] : 0.5 * std::pow(10.0, -r.decimals)) +
                1e-9 * std::max(1.0, std::fabs(*v));
  return r;
}

const PublishedCount* find_count(std::span<const PublishedCount> counts, int column) {
  for (const auto& c : counts) {
    if (c.column == column) return &c;
  }
  return nullptr;
}

// What the rate may be once each count moves by its rounding: [low, high], or nothing when the
// denominator may be zero.
struct Window {
  double low, high;
};
std::optional<Window> window(const PublishedCount& n, const PublishedCount& d, int scale) {
  const double d_low = static_cast<double>(d.value) - d.slack;
  if (d_low <= 0) return std::nullopt;
  const double n_low = std::max(0.0, static_cast<double>(n.value) - n.slack);
  return Window{scale * n_low / (static_cast<double>(d.value) + d.slack),
                scale * (static_cast<double>(n.value) + n.slack) / d_low};
}

}  // namespace

std::string rate_text(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double rounding_slack(bool midpoint6, std::int64_t column_base, std::int64_t policy_base) {
  if (midpoint6) return 3.0;
  const std::int64_t base = column_base > 1 ? column_base : policy_base;
  return base > 1 ? static_cast<double>(base) / 2 : 0.0;
}

UnroundedRates::UnroundedRates(std::size_t keep_per_column, std::vector<int> count_columns)
    : keep_(keep_per_column), count_columns_(std::move(count_columns)) {
  if (count_columns_.size() > kMaxCounts) count_columns_.resize(kMaxCounts);
}

void UnroundedRates::observe(std::int64_t record, std::span<const PrintedRate> rates,
                             std::span<const PublishedCount> counts) {
  for (const PrintedRate& pr : rates) {
    if (columns_.size() >= kMaxRates && columns_.find(pr.column) == columns_.end()) continue;
    const auto x = read_rate(pr.text);
    if (!x) continue;
    RateColumn& col = columns_[pr.column];
    col.decimals = std::max(col.decimals, x->decimals);
    if (!col.started) {
      col.started = true;
      for (int n : count_columns_) {
        for (int d : count_columns_) {
          if (n == d) continue;
          for (int scale : kScales) col.hypotheses.emplace_back(n, d, scale);
        }
      }
    }
    bool any_dead = false;
    for (Hypothesis& h : col.hypotheses) {
      const PublishedCount* n = find_count(counts, h.numerator);
      const PublishedCount* d = find_count(counts, h.denominator);
      if (!n || !d) continue;  // a count redacted or absent: nothing to compare on this record
      const auto w = window(*n, *d, h.scale);
      if (!w) continue;        // a denominator that rounding may put at zero bounds nothing
      if (x->value + x->tolerance < w->low || x->value - x->tolerance > w->high) {
        h.alive = false;
        any_dead = true;
        continue;
      }
      if (w->high - w->low <= 0.05 * std::fabs(x->value)) ++h.informative;
      const double published = h.scale * static_cast<double>(n->value) / static_cast<double>(d->value);
      if (std::fabs(published - x->value) <= x->tolerance) {
        ++h.exact;
        continue;
      }
      ++h.disagree;
      if (h.kept.size() < keep_) h.kept.push_back({record, n->value, d->value, std::string(trim_spaces(pr.text))});
    }
    if (any_dead) {
      col.hypotheses.erase(std::remove_if(col.hypotheses.begin(), col.hypotheses.end(),
                                          [](const Hypothesis& h) { return !h.alive; }),
                           col.hypotheses.end());
    }
  }
}

std::map<int, UnroundedRates::ColumnResult> UnroundedRates::finish() const {
  std::map<int, ColumnResult> out;
  for (const auto& [column, col] : columns_) {
    const Hypothesis* best = nullptr;
    for (const Hypothesis& h : col.hypotheses) {
      if (h.informative < kMinInformative) continue;
      if (!best || h.exact > best->exact) best = &h;
    }
    if (!best || best->disagree == 0) continue;
    ColumnResult result;
    result.source = {best->numerator, best->denominator, best->scale, col.decimals};
    result.total = best->disagree;
    for (const Kept& k : best->kept) {
      result.kept.push_back({k.record, column, k.text,
                             rate_text(best->scale * static_cast<double>(k.n) / static_cast<double>(k.d), col.decimals),
                             best->numerator, best->denominator, best->scale, k.n, k.d});
    }
    out.emplace(column, std::move(result));
  }
  return out;
}

std::optional<std::string> UnroundedRates::recomputed(const Source& source, std::string_view text,
                                                      const PublishedCount& n, const PublishedCount& d) {
  const auto x = read_rate(text);
  if (!x || d.value <= 0) return std::nullopt;
  const auto w = window(n, d, source.scale);
  if (!w || x->value + x->tolerance < w->low || x->value - x->tolerance > w->high) return std::nullopt;
  const double published = source.scale * static_cast<double>(n.value) / static_cast<double>(d.value);
  if (std::fabs(published - x->value) <= x->tolerance) return std::nullopt;
  return rate_text(published, source.decimals);
}

namespace {

constexpr const char* kRule = "derived_from_unrounded";

bool plain_count(const ColumnRole& r) {
  return r.role == Role::count && !r.kind.in_text && !r.kind.by_row && !r.kind.derived;
}

class UnroundedRatesRule final : public TableRule {
 public:
  UnroundedRatesRule(const TableFacts& facts, std::vector<double> slack)
      : policy_(facts.policy), names_(facts.names), roles_(facts.roles), cap_(facts.cap), slack_(std::move(slack)) {
    for (std::size_t c = 0; c < roles_.size(); ++c) {
      if (roles_[c].role == Role::rate) rate_columns_.push_back(static_cast<int>(c));
      if (plain_count(roles_[c])) count_columns_.push_back(static_cast<int>(c));
    }
  }

  // The column loop's reading of each count cell, rather than reading it again.
  bool wants_count_cells() const override { return true; }

  void observe(const RecordBatch& batch) override {
    if (batch.size() == 0) return;
    if (!rates_) rates_ = std::make_unique<UnroundedRates>(cap_, count_columns_);
    const std::size_t width = batch.width();
    for (std::size_t r = 0; r < batch.size(); ++r) {
      published_.clear();
      printed_.clear();
      for (const int c : rate_columns_) {
        if (static_cast<std::size_t>(c) < width) printed_.push_back({c, batch.cell(r, static_cast<std::size_t>(c))});
      }
      if (printed_.empty()) continue;
      for (const int c : count_columns_) {
        const auto i = static_cast<std::size_t>(c);
        if (i >= width) break;
        const Cell* read = batch.count_cell(r, i);
        const Cell v = read ? *read : read_cell(policy_, batch.cell(r, i));
        if (v.kind == CellKind::integer) published_.push_back({c, v.integer, slack_[i]});
      }
      if (published_.size() >= 2) rates_->observe(batch.record(r), printed_, published_);
    }
  }

  void finish(const TableEnd&, FindingList& out) override {
    if (!rates_) return;  // no record to judge
    // Bounded work on wide tables: the first kMaxRates rate columns, each against pairs of the
    // first kMaxCounts count columns. What lies beyond is not judged, and the report says so.
    std::size_t rates = 0, counts = 0;
    for (const ColumnRole& r : roles_) {
      rates += r.role == Role::rate;
      counts += plain_count(r);
    }
    if (rates > UnroundedRates::kMaxRates || counts > UnroundedRates::kMaxCounts) {
      Finding f;
      f.rule = kRule;
      f.outcome = Outcome::review;
      f.message = "not checked in full: this table has " + std::to_string(rates) + " rate columns and " +
                  std::to_string(counts) + " count columns; only the first " +
                  std::to_string(std::min(rates, UnroundedRates::kMaxRates)) +
                  " rate columns were compared with the first " +
                  std::to_string(std::min(counts, UnroundedRates::kMaxCounts)) +
                  " count columns: check that the others' rates were computed from the rounded counts";
      out.add(std::move(f));
    }
    for (const auto& [column, result] : rates_->finish()) {
      std::vector<const UnroundedRate*> kept;
      for (const UnroundedRate& u : result.kept) kept.push_back(&u);
      std::stable_sort(kept.begin(), kept.end(),
                       [](const UnroundedRate* a, const UnroundedRate* b) { return a->record < b->record; });
      for (const UnroundedRate* u : kept) out.add(finding(column, *u));
      out.count_only(kRule, Outcome::fail, result.total - static_cast<std::int64_t>(kept.size()));
    }
  }

 private:
  Finding finding(int column, const UnroundedRate& u) const {
    const auto& n = names_[static_cast<std::size_t>(u.numerator)];
    const auto& d = names_[static_cast<std::size_t>(u.denominator)];
    const std::string formula = (u.scale == 1 ? "" : std::to_string(u.scale) + " x ") + "\"" + n + "\" " +
                                std::to_string(u.numerator_value) + " / \"" + d + "\" " +
                                std::to_string(u.denominator_value);
    Finding f;
    f.rule = kRule;
    f.outcome = Outcome::fail;
    f.row = u.record;
    f.column = names_[static_cast<std::size_t>(column)];
    f.value = u.text;
    f.message = "value " + u.text + " was computed from unrounded counts: compute it from the rounded ones (" +
                u.recomputed + " = " + formula + ")";
    return f;
  }

  const CompiledPolicy& policy_;
  const std::vector<std::string> names_;
  const std::vector<ColumnRole> roles_;
  const std::size_t cap_;
  const std::vector<double> slack_;  // per column: how far a published count may lie from its unrounded value
  std::unique_ptr<UnroundedRates> rates_;  // made at the first record
  std::vector<PublishedCount> published_;  // reused per record
  std::vector<PrintedRate> printed_;
  std::vector<int> rate_columns_;   // in table order
  std::vector<int> count_columns_;  // the plain count columns, in table order
};

}  // namespace

std::unique_ptr<TableRule> make_unrounded_rates_rule(const TableFacts& facts) {
  bool any_rate = false;
  for (const ColumnRole& r : facts.roles) any_rate |= r.role == Role::rate;
  if (!any_rate) return nullptr;
  // Each plain count column that reads as rounded on the first rows (midpoint-6, its own base, or
  // every value a nonzero multiple of the policy's) gets its slack; the others none.
  const std::int64_t policy_base = facts.policy.policy().rounding_base;
  std::vector<double> slack(facts.roles.size(), 0);
  bool any = false;
  for (std::size_t c = 0; c < facts.roles.size(); ++c) {
    const ColumnRole& col = facts.roles[c];
    if (!plain_count(col)) continue;
    bool rounded = col.kind.midpoint6 || col.kind.base > 1;
    if (!rounded && policy_base > 1) {
      bool nonzero = false, multiples = true;
      for (std::size_t r = 0; r < facts.sample.rows() && multiples; ++r) {
        if (c >= facts.sample.width(r)) continue;
        const Cell v = read_cell(facts.policy, facts.sample.cell(r, c));
        if (v.kind != CellKind::integer) continue;
        nonzero |= v.integer != 0;
        multiples = v.integer % policy_base == 0;
      }
      rounded = nonzero && multiples;
    }
    if (!rounded) continue;
    slack[c] = rounding_slack(col.kind.midpoint6, col.kind.base, policy_base);
    any = true;
  }
  if (!any) return nullptr;
  return std::make_unique<UnroundedRatesRule>(facts, std::move(slack));
}

void fix_unrounded_rates(const CompiledPolicy& policy, const HeldTable& table, const std::vector<ColumnRole>& roles,
                         const CellSetter& set) {
  // Two passes over the held table: the first proves each rate column's source keeping no records,
  // the second writes the value from the published counts where the rate disagrees.
  std::vector<int> count_columns;
  for (std::size_t c = 0; c < roles.size(); ++c) {
    if (plain_count(roles[c])) count_columns.push_back(static_cast<int>(c));
  }
  auto published = [&](std::size_t r, int c) -> std::optional<PublishedCount> {
    const auto& row = table.rows[r];
    if (static_cast<std::size_t>(c) >= row.size()) return std::nullopt;
    const Cell v = read_cell(policy, row[static_cast<std::size_t>(c)]);
    if (v.kind != CellKind::integer) return std::nullopt;
    const CountKind& kind = roles[static_cast<std::size_t>(c)].kind;
    return PublishedCount{c, v.integer, rounding_slack(kind.midpoint6, kind.base, policy.policy().rounding_base)};
  };
  UnroundedRates rates(0, count_columns);
  std::vector<PublishedCount> counts;
  std::vector<PrintedRate> printed;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    counts.clear();
    printed.clear();
    for (int c : count_columns) {
      if (auto p = published(r, c)) counts.push_back(*p);
    }
    for (std::size_t c = 0; c < roles.size() && c < row.size(); ++c) {
      if (roles[c].role == Role::rate) printed.push_back({static_cast<int>(c), row[c]});
    }
    if (counts.size() >= 2 && !printed.empty()) rates.observe(static_cast<std::int64_t>(r), printed, counts);
  }
  for (const auto& [column, result] : rates.finish()) {
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const auto& row = table.rows[r];
      if (static_cast<std::size_t>(column) >= row.size()) continue;
      const auto n = published(r, result.source.numerator);
      const auto d = published(r, result.source.denominator);
      if (!n || !d) continue;
      if (auto value = UnroundedRates::recomputed(result.source, row[static_cast<std::size_t>(column)], *n, *d)) {
        set(r, static_cast<std::size_t>(column), *value, kRule);
      }
    }
  }
}

}  // namespace outcheck::rules
