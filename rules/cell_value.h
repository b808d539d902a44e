#pragma once
// Reading one CSV cell as data: integers and other numbers without locale or exceptions, and the
// identifier shapes the policy blocks.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace outcheck::rules {

// What a cell reads as under a policy (read_cell, rules/column_roles.h): one of the policy's
// markers, an integer (and its value), another number, or text.
enum class CellKind { marker, integer, number, text };

struct Cell {
  CellKind kind = CellKind::text;
  std::int64_t integer = 0;  // when kind == integer
};

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

// The count a text cell leads with, as tables of characteristics write them: "41,086 (16%)",
// "2 (<0.1%)", "9,748 / 129,230", "3/120 (2.5%)", "11 [8, 14]", "1164 (0.19)", or a plain "1,234"
// with thousands separators. A whole number (digits, or groups of three after commas) followed by
// nothing, or by spaces and then `(`, `[` or `/`. Nullopt for anything else ("1-7", "1 most
// deprived", "0.45 (0.3, 0.6)", a plain "12", which is an integer cell, not text).
std::optional<std::int64_t> leading_count(std::string_view cell);

// A valid NHS number: 10 digits (optionally grouped 3-3-4 by spaces or hyphens) whose last digit is
// the modulus-11 check digit of the first nine (weights 10..2; 11 means 0; 10 is never valid).
bool is_nhs_number(std::string_view cell);

inline bool is_digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0' <= 9u; }

// Reading eight ASCII bytes (first character in the lowest byte) as digits, without a loop: the
// constants leading_digits8 uses, and the count run (rules/count_run.h) uses in its lanes.
namespace digits8 {
inline constexpr std::uint64_t kZeros = 0x3030303030303030ULL;    // '0' in every byte
inline constexpr std::uint64_t kNibbles = 0xF0F0F0F0F0F0F0F0ULL;  // every byte's high nibble
// Added to a byte whose high nibble is 3, keeps it there only for '0' to '9'.
inline constexpr std::uint64_t kSixes = 0x0606060606060606ULL;
// After x * 10 + (x >> 8), bytes 0, 2, 4 and 6 hold pairs of digits (00 to 99): these take pairs
// 0 and 4, and (shifted down 16 bits) 2 and 6, and weigh them so that the sum's high half is the
// value. The first pair is the most significant.
inline constexpr std::uint64_t kPairMask = 0x000000FF000000FFULL;
inline constexpr std::uint64_t kOuterPairs = 0x000F424000000064ULL;  // 10^6 and 100
inline constexpr std::uint64_t kInnerPairs = 0x0000271000000001ULL;  // 10^4 and 1
inline constexpr std::uint64_t kLowHalf = 0xFFFFFFFFULL;
}  // namespace digits8

// How many of the first characters of a 1..8-character cell are digits (`count`, the cell's size
// when all are) and, when all are, their value. Eight characters at a time, with no loop and no
// branch on the digits, since a loop's exit mispredicts on every cell of a column of counts with
// varied widths. Reads only the cell's own bytes.
struct LeadingDigits {
  std::size_t count;
  std::uint64_t value;  // when count == the cell's size
};
[[gnu::always_inline]] inline LeadingDigits leading_digits8(const char* s, std::size_t n) {
  // The cell left-padded with '0' to eight bytes, first character in the lowest byte: the cell's
  // bytes go to the top 8n bits, `pad` bits of '0' below them.
  const unsigned pad = 8 * static_cast<unsigned>(8 - n);  // 0..56
  std::uint64_t x;
  if (n >= 4) {
    // Two four-byte loads that overlap when n < 8, both inside the cell.
    std::uint32_t lo, hi;
    std::memcpy(&lo, s, 4);
    std::memcpy(&hi, s + n - 4, 4);
    if constexpr (std::endian::native == std::endian::big) {
      lo = __builtin_bswap32(lo);
      hi = __builtin_bswap32(hi);
    }
    x = (std::uint64_t{hi} << 32) | ((std::uint64_t{lo} << pad) & 0xFFFFFFFFULL);
  } else {
    // s[n - 3], s[n - 2], s[n - 1] for n = 3; for shorter cells the bytes below the cell repeat
    // its first character, and are replaced by padding below.
    const std::uint64_t a = static_cast<unsigned char>(s[0]);
    const std::uint64_t b = static_cast<unsigned char>(s[(n - 1) / 2]);
    const std::uint64_t c = static_cast<unsigned char>(s[n - 1]);
    x = (a << 40) | (b << 48) | (c << 56);
  }
  using namespace digits8;
  const std::uint64_t below = (std::uint64_t{1} << pad) - 1;  // pad < 64
  x = (x & ~below) | (kZeros & below);
  // Non-zero bytes mark non-digits: a high nibble other than 3, or a low nibble above 9. A carry
  // out of a non-digit byte can only mark a later byte too, never hide the first non-digit.
  const std::uint64_t bad = ((x & kNibbles) ^ kZeros) | (((x + kSixes) & kNibbles) ^ kZeros);
  if (bad != 0) return {static_cast<std::size_t>(std::countr_zero(bad) / 8) - (8 - n), 0};
  x -= kZeros;
  x = x * 10 + (x >> 8);  // pairs of digits
  x = (((x & kPairMask) * kOuterPairs) + (((x >> 16) & kPairMask) * kInnerPairs)) >> 32;
  return {n, x & kLowHalf};
}

// False for most cells that are not NHS numbers, true for every one that is: a cheap filter before
// is_nhs_number. An NHS number has 10 digits, with at most two separators and some spaces around,
// so 10 to 16 characters. Without leading spaces its first three characters are digits, separators
// come only after the third and sixth digits, and no two in a row are the same: so the fifth
// character is a digit, or the fourth and fifth are both separators. A date is ruled out here.
[[gnu::always_inline]] inline bool may_be_nhs_number(std::string_view s) {
  if (s.size() < 10 || s.size() > 16) return false;
  if (s[0] == ' ' || s[0] == '\t') return true;  // is_nhs_number trims and decides
  auto sep = [](char c) { return c == ' ' || c == '-'; };
  return is_digit(s[4]) || (sep(s[3]) && sep(s[4]));
}

}  // namespace outcheck::rules
