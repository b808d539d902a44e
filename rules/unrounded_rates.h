#pragma once
// The rule derived_from_unrounded: a rate that is the ratio of two counts of its record must agree,
// at its printed precision, with those counts as published. Computed before the counts were rounded
// (29.2 from 329 / 11,267 beside the published 330 and 11,265, which give 29.29), it gives either
// unrounded count back from the other.
//
// Which counts a rate column is the ratio of is proved on the table, not assumed: a hypothesis
// (numerator column, denominator column, scale) survives while every record's rate lies within what
// the published counts allow once each is moved by its rounding (half the column's base; none for a
// column not rounded). A hypothesis is accepted when at least kMinInformative records pinned it down
// tightly (the window within 5% of the rate); of those accepted, the one the most records agree with
// exactly is the column's source, and the records that disagree with it exactly are the findings.
// Memory: the hypotheses of each rate column, and the disagreeing records up to a cap each.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/table_layout.h"
#include "rules/table_rule.h"

namespace outcheck::rules {

// The rule as a unit (rules/table_rule.h): nothing when the table has no rate column, or no plain
// count column that reads as rounded on its first rows (with counts unrounded, a rate either is
// their exact ratio or is not theirs at all).
std::unique_ptr<TableRule> make_unrounded_rates_rule(const TableFacts& facts);

// redact's fix: each rate whose source the published counts prove, and which disagrees with them,
// is written again from them at its column's precision. `roles` are the held table's; counts are
// taken as rounded to their column's base (redact has just rounded them).
void fix_unrounded_rates(const CompiledPolicy& policy, const HeldTable& table, const std::vector<ColumnRole>& roles,
                         const CellSetter& set);

struct PublishedCount {
  int column = -1;
  std::int64_t value = 0;
  double slack = 0;  // how far the unrounded count may lie from `value`: half the rounding base
};

struct PrintedRate {
  int column = -1;
  std::string_view text;  // as printed; only plain decimals are read ("1e-3" is not)
};

struct UnroundedRate {
  std::int64_t record = 0;
  int column = -1;
  std::string text;        // the rate as printed
  std::string recomputed;  // from the published counts, at the column's precision
  int numerator = -1, denominator = -1;
  int scale = 1;
  std::int64_t numerator_value = 0, denominator_value = 0;
};

class UnroundedRates {
 public:
  static constexpr int kMinInformative = 3;
  // At most this many count columns are paired per record (a table with more keeps the first).
  static constexpr std::size_t kMaxCounts = 24;
  // And at most this many rate columns are followed (the first ones): each holds every pair's
  // hypotheses until a record rules them out, and a header of a million names is no table of rates.
  static constexpr std::size_t kMaxRates = 64;

  // `count_columns`: the table's plain count columns (at most kMaxCounts are paired). Every ordered
  // pair of them, at every scale, is a hypothesis from the start, so a record whose counts are
  // suppressed or too small to bound anything rules nothing out.
  UnroundedRates(std::size_t keep_per_column, std::vector<int> count_columns);

  void observe(std::int64_t record, std::span<const PrintedRate> rates, std::span<const PublishedCount> counts);

  // The source proved for a rate column.
  struct Source {
    int numerator = -1, denominator = -1;
    int scale = 1;
    int decimals = 0;  // the most the column prints
  };
  // Per rate column with a proved source: its disagreeing records (the first `keep_per_column`) and
  // how many there were in all.
  struct ColumnResult {
    Source source;
    std::vector<UnroundedRate> kept;
    std::int64_t total = 0;
  };
  std::map<int, ColumnResult> finish() const;

  // For a record of a column whose source is proved: the value from its published counts when the
  // printed rate disagrees with them (the rule's finding), else nothing. What redact writes.
  static std::optional<std::string> recomputed(const Source& source, std::string_view rate_text,
                                               const PublishedCount& numerator, const PublishedCount& denominator);

 private:
  struct Kept {
    std::int64_t record;
    std::int64_t n, d;
    std::string text;
  };
  struct Hypothesis {
    Hypothesis(int n, int d, int s) : numerator(n), denominator(d), scale(s) {}
    int numerator, denominator, scale;
    bool alive = true;
    std::int64_t informative = 0;
    std::int64_t exact = 0;
    std::int64_t disagree = 0;
    std::vector<Kept> kept;
  };
  struct RateColumn {
    bool started = false;
    int decimals = 0;  // the most printed in the column
    std::vector<Hypothesis> hypotheses;
  };
  std::size_t keep_;
  std::vector<int> count_columns_;
  std::map<int, RateColumn> columns_;
};

// A rate's value at `decimals` places, as redact writes it and findings name it.
std::string rate_text(double value, int decimals);

// How far a published count of a column may lie from its unrounded value: half its rounding base
// (the column's own accepted base, else the policy's), 3 for midpoint-6 (6k-3 stands for 6k-5..6k),
// none without rounding.
double rounding_slack(bool midpoint6, std::int64_t column_base, std::int64_t policy_base);

}  // namespace outcheck::rules
