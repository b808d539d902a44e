#include "rules/cell_value.h"

#include <charconv>

namespace outcheck::rules {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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
