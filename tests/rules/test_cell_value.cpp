// Reading cells as data: integer counts (as pandas writes them), other numbers, and NHS numbers.
// NHS numbers are checked against the modulus-11 algorithm worked by hand in the comments: weights
// 10..2 on the first nine digits, check = 11 - (sum mod 11), 11 means 0, 10 is never valid.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "rules/cell_value.h"

using namespace outcheck::rules;

TEST_CASE("parse_integer reads plain, signed and spaced integers", "[rules]") {
  CHECK(parse_integer("12") == std::optional<std::int64_t>(12));
  CHECK(parse_integer(" 12 ") == std::optional<std::int64_t>(12));
  CHECK(parse_integer("\t12\t") == std::optional<std::int64_t>(12));
  CHECK(parse_integer("+3") == std::optional<std::int64_t>(3));
  CHECK(parse_integer("-4") == std::optional<std::int64_t>(-4));
  CHECK(parse_integer("0") == std::optional<std::int64_t>(0));
  CHECK(parse_integer("007") == std::optional<std::int64_t>(7));
}

TEST_CASE("parse_integer takes an all-zero fraction, as pandas writes integer columns with gaps", "[rules]") {
  CHECK(parse_integer("12.0") == std::optional<std::int64_t>(12));
  CHECK(parse_integer("12.00") == std::optional<std::int64_t>(12));
  CHECK(parse_integer("-4.0") == std::optional<std::int64_t>(-4));
  CHECK(parse_integer(" 40.0 ") == std::optional<std::int64_t>(40));
}

TEST_CASE("parse_integer refuses everything that is not an integer", "[rules]") {
  CHECK_FALSE(parse_integer("12.5"));
  CHECK_FALSE(parse_integer("12.01"));
  CHECK_FALSE(parse_integer("1e3"));
  CHECK_FALSE(parse_integer(""));
  CHECK_FALSE(parse_integer("   "));
  CHECK_FALSE(parse_integer("abc"));
  CHECK_FALSE(parse_integer("12abc"));
  CHECK_FALSE(parse_integer("1 2"));
  CHECK_FALSE(parse_integer("+"));
  CHECK_FALSE(parse_integer("-"));
  CHECK_FALSE(parse_integer("+-3"));
  CHECK_FALSE(parse_integer("++3"));
  CHECK_FALSE(parse_integer("0x10"));
  CHECK_FALSE(parse_integer("1,000"));
  CHECK_FALSE(parse_integer("[REDACTED]"));
  CHECK_FALSE(parse_integer("<=7"));
}

TEST_CASE("parse_integer refuses values outside int64 instead of wrapping", "[rules]") {
  // INT64_MAX = 9223372036854775807, INT64_MIN = -9223372036854775808.
  CHECK(parse_integer("9223372036854775807") == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::max()));
  CHECK(parse_integer("-9223372036854775808") == std::optional<std::int64_t>(std::numeric_limits<std::int64_t>::min()));
  CHECK_FALSE(parse_integer("9223372036854775808"));
  CHECK_FALSE(parse_integer("-9223372036854775809"));
  CHECK_FALSE(parse_integer("99999999999999999999999"));
}

TEST_CASE("parse_number reads decimals, exponents and non-finite values", "[rules]") {
  CHECK(parse_number("1.5") == std::optional<double>(1.5));
  CHECK(parse_number("-2") == std::optional<double>(-2.0));
  CHECK(parse_number("+0.25") == std::optional<double>(0.25));
  CHECK(parse_number(" 2.5 ") == std::optional<double>(2.5));
  CHECK(parse_number("1e3") == std::optional<double>(1000.0));
  CHECK(parse_number("12.475") == std::optional<double>(12.475));
  auto inf = parse_number("inf");
  REQUIRE(inf);
  CHECK(std::isinf(*inf));
  auto nan = parse_number("nan");
  REQUIRE(nan);
  CHECK(std::isnan(*nan));
}

TEST_CASE("parse_number refuses text and partial numbers", "[rules]") {
  CHECK_FALSE(parse_number(""));
  CHECK_FALSE(parse_number(" "));
  CHECK_FALSE(parse_number("abc"));
  CHECK_FALSE(parse_number("1.5x"));
  CHECK_FALSE(parse_number("1,5"));
  CHECK_FALSE(parse_number("+-1.5"));
  CHECK_FALSE(parse_number("[REDACTED]"));
  CHECK_FALSE(parse_number("2022-01-02"));
}

TEST_CASE("is_nhs_number accepts valid NHS numbers worked by hand", "[rules]") {
  // 943476591|9: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2
  //            = 90 + 36 + 24 + 28 + 42 + 30 + 20 + 27 + 2 = 299; 299 mod 11 = 2; 11 - 2 = 9.
  CHECK(is_nhs_number("9434765919"));
  // 401023213|7: 40 + 0 + 8 + 0 + 12 + 15 + 8 + 3 + 6 = 92; 92 mod 11 = 4; 11 - 4 = 7.
  CHECK(is_nhs_number("4010232137"));
  // 943476590|0: the first eight give 297 (as above), 0*2 = 0; 297 = 27*11, mod 11 = 0;
  // 11 - 0 = 11, which means check digit 0.
  CHECK(is_nhs_number("9434765900"));
  // Surrounding spaces are trimmed.
  CHECK(is_nhs_number(" 9434765919 "));
}

TEST_CASE("is_nhs_number accepts 3-3-4 grouping by spaces or hyphens", "[rules]") {
  CHECK(is_nhs_number("943 476 5919"));
  CHECK(is_nhs_number("943-476-5919"));
  CHECK(is_nhs_number("401 023 2137"));
  // Not a 3-3-4 grouping.
  CHECK_FALSE(is_nhs_number("9434 765 919"));
  CHECK_FALSE(is_nhs_number("94 34765919"));
  CHECK_FALSE(is_nhs_number("943  476 5919"));
  CHECK_FALSE(is_nhs_number("943.476.5919"));
}

TEST_CASE("is_nhs_number rejects a wrong check digit", "[rules]") {
  // 943476591 needs 9 (above); every other last digit is wrong.
  for (char d = '0'; d <= '8'; ++d) {
    std::string s = std::string("943476591") + d;
    INFO(s);
    CHECK_FALSE(is_nhs_number(s));
  }
  CHECK_FALSE(is_nhs_number("4010232136"));
  CHECK_FALSE(is_nhs_number("943 476 5918"));
}

TEST_CASE("is_nhs_number never accepts a number whose check digit would be 10", "[rules]") {
  // 943476596|?: the first eight give 297, then 6*2 = 12; 309 mod 11 = 1 (308 = 28*11);
  // 11 - 1 = 10: no tenth digit can be valid.
  for (char d = '0'; d <= '9'; ++d) {
    std::string s = std::string("943476596") + d;
    INFO(s);
    CHECK_FALSE(is_nhs_number(s));
  }
}

TEST_CASE("is_nhs_number needs exactly ten digits", "[rules]") {
  CHECK_FALSE(is_nhs_number("943476591"));    // 9 digits
  CHECK_FALSE(is_nhs_number("94347659190"));  // 11 digits
  CHECK_FALSE(is_nhs_number("09434765919"));  // 11 digits
  CHECK_FALSE(is_nhs_number(""));
  CHECK_FALSE(is_nhs_number("abc"));
  CHECK_FALSE(is_nhs_number("943476591X"));
  CHECK_FALSE(is_nhs_number("9434765919.0"));
}

TEST_CASE("is_number agrees with parse_number on every shape of cell", "[rules]") {
  // is_number is the fast path of read_cell; parse_number (std::from_chars) is the reference.
  const char* cells[] = {"1", "-1", "+1", "+-1", "1.5", ".5", "5.", ".", "-", "+", "1e3", "1E-3", "1e", "1e+",
                         "2019-01-01", "12:30", "inf", "-inf", "+inf", "NaN", "nan", "infinity", "Infinity", "infx",
                         " 3.25 ", "3.2.1", "1,5", "", " ", "0x10", "1_000", "e5", "-.5", "+.5e2", "12abc", "[REDACTED]"};
  for (const char* c : cells) {
    INFO("cell: '" << c << "'");
    CHECK(outcheck::rules::is_number(c) == outcheck::rules::parse_number(c).has_value());
  }
}
