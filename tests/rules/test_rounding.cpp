// The rounding rules, worked by hand from their definitions:
// - OpenSAFELY's `int(base * round(x / base))` with Python's round (ties to the even quotient);
// - midpoint-6 `ceiling(x/6)*6 - 3*(x != 0)`, so 0 -> 0, 1..6 -> 3, 7..12 -> 9, 13..18 -> 15;
// - `_midpoint6_derived` values are multiples of 6.
#include <catch2/catch.hpp>

#include <cstdint>

#include "rules/rounding.h"

using namespace outcheck::rules;

TEST_CASE("round_half_even to 10 sends ties to the even multiple", "[rules]") {
  // 105/10 = 10.5 -> 10 (even) -> 100; 115/10 = 11.5 -> 12 -> 120;
  // 25/10 = 2.5 -> 2 -> 20; 35/10 = 3.5 -> 4 -> 40.
  CHECK(round_half_even(105, 10) == 100);
  CHECK(round_half_even(115, 10) == 120);
  CHECK(round_half_even(25, 10) == 20);
  CHECK(round_half_even(35, 10) == 40);
  CHECK(round_half_even(5, 10) == 0);    // 0.5 -> 0
  CHECK(round_half_even(15, 10) == 20);  // 1.5 -> 2
  // Not ties: the nearest multiple.
  CHECK(round_half_even(104, 10) == 100);
  CHECK(round_half_even(106, 10) == 110);
  CHECK(round_half_even(0, 10) == 0);
  CHECK(round_half_even(100, 10) == 100);
  CHECK(round_half_even(1234567, 10) == 1234570);
}

TEST_CASE("round_half_even to 5 never ties on integers", "[rules]") {
  // n/5 has a fractional part of .0, .2, .4, .6 or .8: never .5.
  CHECK(round_half_even(12, 5) == 10);  // 2.4 -> 2
  CHECK(round_half_even(13, 5) == 15);  // 2.6 -> 3
  CHECK(round_half_even(7, 5) == 5);    // 1.4 -> 1
  CHECK(round_half_even(8, 5) == 10);   // 1.6 -> 2
  CHECK(round_half_even(16, 5) == 15);  // 3.2 -> 3
  CHECK(round_half_even(24, 5) == 25);  // 4.8 -> 5
  CHECK(round_half_even(25, 5) == 25);
  CHECK(round_half_even(2, 5) == 0);    // 0.4 -> 0
  CHECK(round_half_even(3, 5) == 5);    // 0.6 -> 1
}

TEST_CASE("round_half_even on other bases and signs", "[rules]") {
  // Base 2: 3/2 = 1.5 -> 2 -> 4; 5/2 = 2.5 -> 2 -> 4; 7/2 = 3.5 -> 4 -> 8.
  CHECK(round_half_even(3, 2) == 4);
  CHECK(round_half_even(5, 2) == 4);
  CHECK(round_half_even(7, 2) == 8);
  // Base 100: 250 -> 2.5 -> 2 -> 200; 350 -> 3.5 -> 4 -> 400.
  CHECK(round_half_even(250, 100) == 200);
  CHECK(round_half_even(350, 100) == 400);
  // Python: round(-10.5) = -10, round(-11.5) = -12.
  CHECK(round_half_even(-105, 10) == -100);
  CHECK(round_half_even(-115, 10) == -120);
  CHECK(round_half_even(-12, 5) == -10);
  // Base 1 (no rounding rule) leaves every value alone.
  CHECK(round_half_even(13, 1) == 13);
  CHECK(round_half_even(0, 1) == 0);
}

TEST_CASE("midpoint6 follows ceiling(x/6)*6 - 3*(x != 0)", "[rules]") {
  CHECK(midpoint6(0) == 0);  // ceiling(0)*6 - 0 = 0
  // 1..6: ceiling(x/6) = 1 -> 6 - 3 = 3.
  for (std::int64_t x = 1; x <= 6; ++x) {
    INFO(x);
    CHECK(midpoint6(x) == 3);
  }
  // 7..12: ceiling = 2 -> 12 - 3 = 9.
  for (std::int64_t x = 7; x <= 12; ++x) {
    INFO(x);
    CHECK(midpoint6(x) == 9);
  }
  CHECK(midpoint6(13) == 15);  // ceiling(13/6) = 3 -> 18 - 3
  CHECK(midpoint6(18) == 15);
  CHECK(midpoint6(19) == 21);  // ceiling(19/6) = 4 -> 24 - 3
  CHECK(midpoint6(100) == 99); // ceiling(100/6) = 17 -> 102 - 3
}

TEST_CASE("midpoint-6 value predicates", "[rules]") {
  // A midpoint-6 column holds 0 or 6k - 3.
  for (std::int64_t v : {0, 3, 9, 15, 21, 99}) {
    INFO(v);
    CHECK(is_midpoint6_value(v));
  }
  for (std::int64_t v : {1, 2, 4, 5, 6, 7, 8, 10, 12, 18, 100}) {
    INFO(v);
    CHECK_FALSE(is_midpoint6_value(v));
  }
  // A derived column holds multiples of 6.
  for (std::int64_t v : {0, 6, 12, 18, 102}) {
    INFO(v);
    CHECK(is_midpoint6_derived_value(v));
  }
  for (std::int64_t v : {1, 3, 5, 9, 15, 100}) {
    INFO(v);
    CHECK_FALSE(is_midpoint6_derived_value(v));
  }
  // Whatever midpoint6 produces is a midpoint-6 value.
  for (std::int64_t x = 0; x <= 60; ++x) {
    INFO(x);
    CHECK(is_midpoint6_value(midpoint6(x)));
  }
}

TEST_CASE("midpoint6_derived rounds up to the next multiple of 6", "[rules]") {
  CHECK(midpoint6_derived(0) == 0);
  CHECK(midpoint6_derived(1) == 6);
  CHECK(midpoint6_derived(6) == 6);
  CHECK(midpoint6_derived(7) == 12);
  CHECK(midpoint6_derived(12) == 12);
  CHECK(midpoint6_derived(13) == 18);
  for (std::int64_t x = 0; x <= 60; ++x) {
    INFO(x);
    CHECK(is_midpoint6_derived_value(midpoint6_derived(x)));
  }
}
