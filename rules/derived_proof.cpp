#include "rules/derived_proof.h"

#include <algorithm>
#include <cmath>

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

}  // namespace outcheck::rules
