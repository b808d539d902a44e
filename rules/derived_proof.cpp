#include "rules/derived_proof.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "rules/cell_value.h"

namespace outcheck::rules {

namespace {

constexpr int kScales[] = {1, 100, 1000, 100000};

}  // namespace

std::optional<Printed> printed_number(std::string_view text) {
  const std::string_view s = trim_spaces(text);
  const auto v = parse_number(s);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  // Digits after the point, and the exponent, as printed.
  int decimals = 0;
  int exponent = 0;
  bool point = false;
  std::size_t i = 0;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') point = true;
    else if (point && is_digit(s[i])) ++decimals;
  }
  if (i < s.size()) {
    if (const auto e = parse_integer(s.substr(i + 1))) exponent = static_cast<int>(*e);
  }
  Printed p;
  p.value = *v;
  const int last = decimals - exponent;  // the last printed digit is 10^-last
  // An integer as printed is taken as exact (up to floating point): a "1" is not "anything from 0.5
  // to 1.5", which would prove too much.
  p.tolerance = last > 0 ? 0.5 * std::pow(10.0, -last) : 0;
  p.tolerance += 1e-9 * std::max(1.0, std::fabs(*v));
  return p;
}

std::optional<Derivation> derive(const Printed& x, std::span<const Operand> numerators,
                                 std::span<const Operand> denominators, bool small) {
  for (const Operand& n : numerators) {
    if (n.small != small) continue;
    for (const Operand& d : denominators) {
      if (d.value <= 0 || (d.column == n.column && d.place == n.place)) continue;
      const double share = n.value / d.value;
      for (int k : kScales) {
        if (std::fabs(x.value - k * share) <= x.tolerance) return Derivation{n, d, k, false};
        if (std::fabs(x.value - k * (1 - share)) <= x.tolerance) return Derivation{n, d, k, true};
      }
    }
  }
  return std::nullopt;
}

std::optional<GivenBack> gives_back(const Printed& x, std::span<const Operand> denominators) {
  if (x.value <= 0) return std::nullopt;
  for (const Operand& d : denominators) {
    if (d.value <= 0) continue;
    for (int k : kScales) {
      const double product = x.value * d.value / k;
      const double error = x.tolerance * d.value / k;
      // Only a product pinned well inside one count gives it back: a coarsely printed rate lands
      // near some whole number whatever it was computed from.
      if (error > 0.01 || product < 0.5) continue;
      const double whole = std::round(product);
      if (std::fabs(product - whole) <= error + 1e-9 * std::max(1.0, product)) {
        return GivenBack{d, k, product, static_cast<std::int64_t>(whole)};
      }
    }
  }
  return std::nullopt;
}

namespace {

// The interval of count / rate at the rate's printed precision: [low, high], high infinite when the
// rate may be zero.
std::pair<double, double> share_bounds(double count, const Printed& rate) {
  const double high = rate.value - rate.tolerance > 0 ? count / (rate.value - rate.tolerance) : HUGE_VAL;
  return {count / (rate.value + rate.tolerance), high};
}

}  // namespace

void ShareEvidence::add(double count, const Printed& rate) {
  if (broken_ || count < 0) return;
  if (count == 0) {
    broken_ = std::fabs(rate.value) > rate.tolerance;
    return;
  }
  if (rate.value + rate.tolerance <= 0) {
    broken_ = true;
    return;
  }
  const auto [low, high] = share_bounds(count, rate);
  if (rows_ == 0) {
    low_ = low;
    high_ = high;
    first_count_ = count;
  } else {
    low_ = std::max(low_, low);
    high_ = std::min(high_, high);
    two_counts_ |= count != first_count_;
  }
  ++rows_;
  broken_ = low_ > high_;
}

bool ShareEvidence::proved() const {
  return !broken_ && rows_ >= 3 && two_counts_ && std::isfinite(high_) && high_ - low_ <= 0.01 * low_;
}

bool ShareEvidence::may_be_constant(double value) const {
  for (int k : kScales) {
    if (value >= low_ * k * (1 - 1e-9) && value <= high_ * k * (1 + 1e-9)) return true;
  }
  return false;
}

bool ShareEvidence::fits(double count, const Printed& rate) const {
  if (count <= 0 || rate.value + rate.tolerance <= 0) return false;
  const auto [low, high] = share_bounds(count, rate);
  return low <= high_ && high >= low_;
}

}  // namespace outcheck::rules
