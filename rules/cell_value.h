#pragma once
// Reading one CSV cell as data: integers and other numbers without locale or exceptions, and the
// identifier shapes the policy blocks.
#include <cstdint>
#include <optional>
#include <string_view>

namespace outcheck::rules {

inline std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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

inline bool is_digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0' <= 9u; }

// False for most cells that are not NHS numbers, true for every one that is: a cheap filter before
// is_nhs_number. An NHS number has 10 digits, with at most two separators and some spaces around,
// so 10 to 16 characters. Without leading spaces its first three characters are digits, separators
// come only after the third and sixth digits, and no two in a row are the same: so the fifth
// character is a digit, or the fourth and fifth are both separators. A date is ruled out here.
inline bool may_be_nhs_number(std::string_view s) {
  if (s.size() < 10 || s.size() > 16) return false;
  if (s[0] == ' ' || s[0] == '\t') return true;  // is_nhs_number trims and decides
  auto sep = [](char c) { return c == ' ' || c == '-'; };
  return is_digit(s[4]) || (sep(s[3]) && sep(s[4]));
}

}  // namespace outcheck::rules
