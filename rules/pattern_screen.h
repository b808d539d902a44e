#pragma once
// A cheap screen in front of a set of RE2 patterns that runs on text read from every row (the
// policy's total patterns on each row's label under raised limits). RE2's FilteredRE2 works out
// the literals ("atoms") that any match of each pattern must contain; text with no byte of any
// of them cannot match, and is ruled out without running a pattern. The screen only ever says
// "cannot match": whatever it lets through is decided by the patterns themselves.
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

namespace outcheck::rules {

class PatternScreen {
 public:
  // A screen that lets everything through (no pattern is screened).
  PatternScreen() = default;
  // The screen for `sources`, each a pattern that compiles with `options`. It lets everything
  // through when some pattern can match without any literal (".*", "^.+$"); a small class such
  // as \\d counts as its characters, so "^\\d+$" screens out text without a digit.
  static PatternScreen of(const std::vector<std::string>& sources, const RE2::Options& options);

  // False only when none of the patterns can match `text`.
  bool may_match(std::string_view text) const {
    if (!screens_) return true;
    // Atoms of letters hold no byte below 0x40 (digits, spaces, punctuation): text of those bytes
    // alone, the labels of most long tables (numbers, dates, codes of digits), is ruled out eight
    // bytes at a time, and a short one without a loop; in other text only the bytes from 0x40 are
    // looked up.
    if (atoms_from_0x40_) {
      if (!any_byte_from_0x40(text)) return false;
      // The word-at-a-time lookup reads a word's first byte as its lowest.
      if constexpr (std::endian::native == std::endian::little) return any_atom_byte_from_0x40(text);
    }
    for (const char c : text) {
      if (atom_byte_[static_cast<unsigned char>(c)]) return true;
    }
    return false;
  }

  // Whether the screen can rule any text out, for tests.
  bool screens() const { return screens_; }

 private:
  // Whether some byte of `text` is an atom's, when every atom byte is 0x40 or above (on a
  // little-endian machine): the bytes
  // with either of their top two bits set are found a word at a time, and only they are looked up.
  // Most labels with a letter have few ("g1042", "2021-W07"), so a label costs a lookup or two, not
  // one per byte.
  bool any_atom_byte_from_0x40(std::string_view text) const {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    // Bit 7 of each byte of the result: that byte of `word` is 0x40 or above (bit 6 shifted onto
    // bit 7 of its own byte; what shifts across bytes lands on bits the mask clears).
    auto from_0x40 = [](std::uint64_t word) { return (word | word << 1) & 0x8080808080808080ULL; };
    auto any_atom = [&](const unsigned char* p, std::uint64_t high) {
      for (; high != 0; high &= high - 1) {
        if (atom_byte_[p[std::countr_zero(high) >> 3]]) return true;
      }
      return false;
    };
    if (n >= 8) {
      std::uint64_t word;
      std::size_t i = 0;
      for (; i + 8 <= n; i += 8) {
        std::memcpy(&word, s + i, 8);
        if (any_atom(s + i, from_0x40(word))) return true;
      }
      if (i == n) return false;
      std::memcpy(&word, s + n - 8, 8);  // the last eight bytes, some looked at already
      return any_atom(s + n - 8, from_0x40(word));
    }
    if (n >= 4) {  // two four-byte reads, overlapping when n < 8
      std::uint32_t a, b;
      std::memcpy(&a, s, 4);
      std::memcpy(&b, s + n - 4, 4);
      return any_atom(s, from_0x40(a)) || any_atom(s + n - 4, from_0x40(b));
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (atom_byte_[s[i]]) return true;
    }
    return false;
  }

  // Whether any byte of `text` is 0x40 or above: any has either of its top two bits set.
  static bool any_byte_from_0x40(std::string_view text) {
    constexpr std::uint64_t kTop8 = 0xC0C0C0C0C0C0C0C0ULL;
    const char* s = text.data();
    const std::size_t n = text.size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, s + i, 8);
      if (word & kTop8) return true;
    }
    const std::size_t rest = n - i;
    if (rest >= 4) {  // two four-byte reads, overlapping when rest < 8, both inside the text
      std::uint32_t a, b;
      std::memcpy(&a, s + i, 4);
      std::memcpy(&b, s + n - 4, 4);
      return ((a | b) & 0xC0C0C0C0u) != 0;
    }
    if (rest == 0) return false;
    // 1 to 3 bytes: these three indexes cover them.
    return ((static_cast<unsigned char>(s[i]) | static_cast<unsigned char>(s[i + rest / 2]) |
             static_cast<unsigned char>(s[n - 1])) & 0xC0u) != 0;
  }

  bool screens_ = false;
  bool atoms_from_0x40_ = false;  // every atom byte is 0x40 or above
  std::array<bool, 256> atom_byte_{};  // a byte some atom holds, in either case; every non-ASCII byte
};

}  // namespace outcheck::rules
