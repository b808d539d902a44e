// read_cell against the version before its syntax shortcuts (kept here as the oracle, with one
// fix both share: digits followed by spaces are a count, as digits preceded by them always were):
// the same kind and value for every cell, under policies whose markers do and do not start with
// digits, on random cells built from the characters that decide integers, numbers and markers.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "rules/cell_value.h"
#include "rules/column_roles.h"
#include "rules/compiled_policy.h"
#include "rules/policy.h"

using namespace outcheck::rules;

namespace {

Cell reference_read_cell(const CompiledPolicy& policy, std::string_view text) {
  if (!text.empty() && text.size() <= 18) {
    std::int64_t v = 0;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
      unsigned d = static_cast<unsigned char>(text[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == text.size()) return {CellKind::integer, v};
    if (i > 0 && text[i] == '.') {
      std::size_t j = i + 1;
      while (j < text.size() && text[j] == '0') ++j;
      if (j == text.size() && j > i + 1) return {CellKind::integer, v};
    }
    char c = text[i];
    if (i > 0 && (text.back() == ' ' || text.back() == '\t')) {
      if (auto n = parse_integer(text)) return {CellKind::integer, *n};  // "3 " is a count
    }
    if (i > 0 || (c != ' ' && c != '\t' && c != '+' && c != '-')) {
      if (policy.is_marker(text)) return {CellKind::marker, 0};
      return {is_number(text) ? CellKind::number : CellKind::text, 0};
    }
  }
  if (auto n = parse_integer(text)) return {CellKind::integer, *n};
  if (policy.is_marker(text)) return {CellKind::marker, 0};
  if (is_number(text)) return {CellKind::number, 0};
  return {CellKind::text, 0};
}

std::shared_ptr<const CompiledPolicy> compiled(std::vector<std::string> markers) {
  Policy p = *preset_policy("opensafely");
  if (!markers.empty()) p.redaction_markers = std::move(markers);
  auto c = CompiledPolicy::compile(p);
  REQUIRE(c.ok());
  return *c;
}

}  // namespace

TEST_CASE("read_cell: the syntax shortcuts decide as the full tests do", "[rules]") {
  const std::vector<std::shared_ptr<const CompiledPolicy>> policies = {
      compiled({}),                              // the preset's markers, none starting with a digit
      compiled({"0", "9.5", "1-2", "3 e", ""}),  // markers that start with digits
  };
  const std::vector<std::string> fixed = {
      "12", "12.0", "12.", "12.5", "12.50", "1.2.3", "1e3", "1.5e-3", "12 ", "12.0 ", "12\t", "2019-01-08", "9.5",
      "9.50", "0", "1-2", "3 e", "3e", "3E+2", "12abc", "123456789012345678", "1234567890123456789", "0.0", "00.00",
      "1.", "7.e", "+3", "-4", " 5", "<=7", "<7", "*", "inf", "1inf", "1nan", "12.0x", "12.x"};
  std::mt19937 rng(11);
  // Digits most, and the bytes either side of them ('/' ':'), high bytes and NUL.
  const std::string alphabet = std::string("0123456789012345678901234.. \t+-eE<=*REDACTNnaif/x:\xB0\xB9\x80\0", 54);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 22), short_length(0, 9);
  std::vector<std::string> cells = fixed;
  for (int k = 0; k < 200000; ++k) {
    std::string s;
    // Mostly digit-led cells, as the shortcuts handle those.
    if (k % 3 != 0) s += static_cast<char>('0' + k % 10);
    for (int n = k % 2 ? length(rng) : short_length(rng); n > 0; --n) s += alphabet[pick(rng)];
    cells.push_back(s);
  }
  for (const auto& policy : policies) {
    for (const auto& cell : cells) {
      const Cell got = read_cell(*policy, cell);
      const Cell want = reference_read_cell(*policy, cell);
      INFO("cell [" << cell << "]");
      REQUIRE(static_cast<int>(got.kind) == static_cast<int>(want.kind));
      if (want.kind == CellKind::integer) REQUIRE(got.integer == want.integer);
    }
  }
}

TEST_CASE("may_be_nhs_number holds for every NHS number", "[rules]") {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> digit(0, 9), sep(0, 5), pad(0, 2);
  const std::vector<std::string> separators = {"", " ", "-", " -", "- ", " - "};
  int numbers = 0;
  for (int k = 0; k < 200000; ++k) {
    int d[10], sum = 0;
    for (int i = 0; i < 9; ++i) sum += (d[i] = digit(rng)) * (10 - i);
    d[9] = (11 - sum % 11) % 11;
    if (d[9] == 10) continue;
    std::string s(static_cast<std::size_t>(pad(rng)), k % 2 ? ' ' : '\t');
    for (int i = 0; i < 10; ++i) {
      if (i == 3 || i == 6) s += separators[static_cast<std::size_t>(sep(rng))];
      s += static_cast<char>('0' + d[i]);
    }
    s += std::string(static_cast<std::size_t>(pad(rng)), ' ');
    INFO("cell [" << s << "]");
    // is_identifier_cell's test before the filter: the length, then is_nhs_number.
    if (s.size() >= 10 && s.size() <= 16 && is_nhs_number(s)) {
      ++numbers;
      REQUIRE(may_be_nhs_number(s));
    }
  }
  CHECK(numbers > 20000);
  // Random cells of NHS-like characters: the filter never rules out a number the full test takes.
  const std::string alphabet = "0123456789 -\t-  x";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(8, 18);
  for (int k = 0; k < 200000; ++k) {
    std::string s;
    for (int n = length(rng); n > 0; --n) s += alphabet[pick(rng)];
    if (s.size() >= 10 && s.size() <= 16 && is_nhs_number(s)) REQUIRE(may_be_nhs_number(s));
  }
  CHECK_FALSE(may_be_nhs_number("2019-01-08"));
  CHECK(may_be_nhs_number("943 476 5919"));
}

TEST_CASE("leading_digits8 counts and reads digits as a loop does", "[rules]") {
  std::mt19937 rng(13);
  const std::string alphabet = std::string("01234567890123456789/:a.-\xB0\xFA\0 ", 29);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int k = 0; k < 300000; ++k) {
    const std::size_t n = 1 + static_cast<std::size_t>(k % 8);
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += k % 3 ? static_cast<char>('0' + rng() % 10) : alphabet[pick(rng)];
    std::size_t count = 0;
    std::uint64_t value = 0;
    while (count < n && is_digit(s[count])) value = value * 10 + static_cast<std::uint64_t>(s[count++] - '0');
    const LeadingDigits d = leading_digits8(s.data(), n);
    INFO("cell [" << s << "]");
    REQUIRE(d.count == count);
    if (count == n) REQUIRE(d.value == value);
  }
  CHECK(leading_digits8("99999999", 8).value == 99999999);
  CHECK(leading_digits8("0", 1).value == 0);
  CHECK(leading_digits8("2019-01-08", 8).count == 4);
}
