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
          for (int scale : kScales) col.hypotheses.push_back({n, d, scale});
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

}  // namespace outcheck::rules
