#pragma once
// Reading one CSV cell as data: integers and other numbers without locale or exceptions, and the
// identifier shapes the policy blocks.
#include <cstdint>
#include <optional>
#include <string_view>

namespace outcheck::rules {

std::string_view trim_spaces(std::string_view s);

// An integer count: optional sign, digits, and an optional all-zero fraction ("12.0", as pandas
// writes integer columns that held a missing value). Surrounding spaces are allowed.
std::optional<std::int64_t> parse_integer(std::string_view cell);

// Any finite or non-finite decimal number ("1.5", "-2", "1e3", "inf", "nan").
std::optional<double> parse_number(std::string_view cell);
// The same test as parse_number(cell).has_value(), without converting: a syntax scan.
bool is_number(std::string_view cell);

// A valid NHS number: 10 digits (optionally grouped 3-3-4 by spaces or hyphens) whose last digit is
// the modulus-11 check digit of the first nine (weights 10..2; 11 means 0; 10 is never valid).
bool is_nhs_number(std::string_view cell);

}  // namespace outcheck::rules
