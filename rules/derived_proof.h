#pragma once
// Proving what a rate was computed from (issue: derived values proved by arithmetic). A statistic is
// derived from a count when, at its printed precision, it equals that count divided by a denominator
// (times 1, 100, 1,000 or 100,000), or one minus that share; the denominator may sit in the same
// row (a count, or person-time), the previous row (a flowchart's step) or the first row (a
// flowchart's base). Pure arithmetic over values the caller reads from a record.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace outcheck::rules {

// A number as printed, and how far the true value may be from it: half a unit of its last printed
// digit (a rate printed as an integer is taken as exact).
struct Printed {
  double value = 0;
  double tolerance = 0;
};
std::optional<Printed> printed_number(std::string_view text);

enum class Place { same_row, previous_row, first_row };

struct Operand {
  int column = -1;
  double value = 0;
  Place place = Place::same_row;
  bool small = false;  // a small count (numerators only)
};

struct Derivation {
  Operand numerator;
  Operand denominator;
  int scale = 1;           // 1, 100, 1,000 or 100,000
  bool complement = false; // scale * (1 - numerator / denominator)
};

// The first derivation of `x` from one of `numerators` over one of `denominators` (never a cell
// over itself), among numerators that are small counts (`small`) or that are not.
std::optional<Derivation> derive(const Printed& x, std::span<const Operand> numerators,
                                 std::span<const Operand> denominators, bool small);

// The count that `x` times a denominator gives back, when it gives one back: x * d / scale lands,
// within the error the printed precision allows (under half a count), on a whole number.
struct GivenBack {
  Operand denominator;
  int scale = 1;
  double product = 0;     // x * d / scale
  std::int64_t count = 0; // the whole number it lands on
};
std::optional<GivenBack> gives_back(const Printed& x, std::span<const Operand> denominators);

// Whether a rate column is, row after row, one count column's share of a constant the table does not
// print: scale x count / K for one K (a percentage of the column's total, with no total row). Each
// row with a positive count and a positive rate bounds count / rate (K / scale) to an interval at the
// rate's printed precision. The share is proved when the intervals of at least three rows, of two
// counts or more, meet in one narrower than 1% of its value, and no row breaks it (a zero count
// beside a rate that is not zero): chance does not fit three rounded ratios to one constant that
// closely. A rate so proved is computed from that column's count of its own row, and from nothing
// else in the row.
class ShareEvidence {
 public:
  void add(double count, const Printed& rate);
  bool proved() const;
  // Whether a row added has ruled the constant out: no row more can prove it.
  bool broken() const { return broken_; }
  // Whether a row's count and rate fit the constant (the row need not be among those added).
  bool fits(double count, const Printed& rate) const;
  // Whether `value` may be the constant itself, at some scale (1, 100, 1,000 or 100,000): then a
  // count of that value on the row may be what the rate was computed over.
  bool may_be_constant(double value) const;

 private:
  double low_ = 0;
  double high_ = 0;
  int rows_ = 0;
  double first_count_ = 0;
  bool two_counts_ = false;
  bool broken_ = false;
};

}  // namespace outcheck::rules
