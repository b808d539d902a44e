#include "rules/rounding.h"

namespace outcheck::rules {

std::int64_t round_half_even(std::int64_t n, std::int64_t base) {
  if (base <= 1) return n;
  bool negative = n < 0;
  std::int64_t a = negative ? -n : n;
  std::int64_t q = a / base, r = a % base;
  if (2 * r > base || (2 * r == base && q % 2 == 1)) ++q;
  std::int64_t out = q * base;
  return negative ? -out : out;
}

std::int64_t midpoint6(std::int64_t n) {
  if (n <= 0) return n == 0 ? 0 : n;
  std::int64_t up = (n + 5) / 6 * 6;
  return up - 3;
}

bool is_midpoint6_value(std::int64_t n) { return n == 0 || (n > 0 && (n + 3) % 6 == 0); }

bool is_midpoint6_derived_value(std::int64_t n) { return n >= 0 && n % 6 == 0; }

std::int64_t midpoint6_derived(std::int64_t n) { return n <= 0 ? n : (n + 5) / 6 * 6; }

}  // namespace outcheck::rules
