#include "rules/cell_value.h"

#include <cctype>
#include <cstdint>
#include <charconv>
#include <string>

namespace outcheck::rules {

std::optional<std::int64_t> parse_integer(std::string_view cell) {
  std::string_view s = trim_spaces(cell);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return std::nullopt;  // "+-3" is no number
  }
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  std::string_view rest(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
  if (rest.empty()) return v;
  if (rest.front() != '.' || rest.size() < 2) return std::nullopt;
  for (char c : rest.substr(1)) {
    if (c != '0') return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> leading_count(std::string_view cell) {
  const std::string_view s = trim_spaces(cell);
  std::size_t i = 0;
  std::int64_t v = 0;
  std::size_t group = 0;   // digits since the last comma (or the start)
  bool commas = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c)) {
      if (v > (INT64_MAX - 9) / 10) return std::nullopt;
      v = v * 10 + (c - '0');
      ++group;
    } else if (c == ',' && group >= 1 && (commas ? group == 3 : group <= 3) && i + 1 < s.size() && is_digit(s[i + 1])) {
      commas = true;
      group = 0;
    } else {
      break;
    }
  }
  if (group == 0 || (commas && group != 3)) return std::nullopt;
  if (i == s.size()) return commas ? std::optional<std::int64_t>(v) : std::nullopt;
  std::size_t j = i;
  while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
  if (j < s.size() && (s[j] == '(' || s[j] == '[' || s[j] == '/')) return v;
  return std::nullopt;
}

std::optional<double> parse_number(std::string_view cell) {
  std::string_view s = trim_spaces(cell);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return std::nullopt;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_number(std::string_view cell) {
  std::string_view s = trim_spaces(cell);
  std::size_t i = 0;
  if (i < s.size() && s[i] == '+') ++i;  // a leading '+', then from_chars' own syntax
  if (i < s.size() && s[i] == '-') ++i;
  if (s.size() - i == 3 || s.size() - i == 8) {  // inf, nan, infinity (any case)
    std::string word;
    for (std::size_t k = i; k < s.size(); ++k) word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[k]))));
    if (word == "inf" || word == "nan" || word == "infinity") return !(i >= 2 && s[0] == '+' && s[1] == '-');
  }
  if (i >= 2 && s[0] == '+' && s[1] == '-') return false;
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    std::size_t exp_digits = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j, ++exp_digits;
    if (exp_digits > 0) i = j;
  }
  return i == s.size();
}

bool is_nhs_number(std::string_view cell) {
  std::string_view s = trim_spaces(cell);
  int digits[10];
  int n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (n == 10) return false;
      digits[n++] = c - '0';
    } else if ((c == ' ' || c == '-') && (n == 3 || n == 6) && i + 1 < s.size() && s[i + 1] != c) {
      continue;  // 3-3-4 grouping
    } else {
      return false;
    }
  }
  if (n != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += digits[i] * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == digits[9];
}

}  // namespace outcheck::rules
