#pragma once
// The rounding rules of the policies, on integers so that no floating point can misjudge a tie.
#include <cstdint>

namespace outcheck::rules {

// The nearest multiple of `base`, ties to the even multiple: Python's `base * round(n / base)` as
// OpenSAFELY's reference code computes it (base 10: 105 -> 100, 115 -> 120, 25 -> 20).
std::int64_t round_half_even(std::int64_t n, std::int64_t base);

// Midpoint-6 rounding: ceiling(n / 6) * 6 - 3 * (n != 0), so 0 -> 0, 1..6 -> 3, 7..12 -> 9.
std::int64_t midpoint6(std::int64_t n);
// Values a midpoint-6 column may hold: 0 or 6k - 3; a `_derived` column: multiples of 6.
bool is_midpoint6_value(std::int64_t n);
bool is_midpoint6_derived_value(std::int64_t n);
// Rounds a derived value up to the next multiple of 6.
std::int64_t midpoint6_derived(std::int64_t n);

}  // namespace outcheck::rules
