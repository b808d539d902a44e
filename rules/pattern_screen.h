#pragma once
// A cheap screen in front of a set of RE2 patterns that runs on text read from every row (the
// policy's total patterns on each row's label under raised limits). RE2's FilteredRE2 works out
// the literals ("atoms") that any match of each pattern must contain; text with no byte of any
// of them cannot match, and is ruled out without running a pattern. The screen only ever says
// "cannot match": whatever it lets through is decided by the patterns themselves.
#include <array>
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
    // bytes at a time.
    if (atoms_from_0x40_ && !any_byte_from_0x40(text)) return false;
    for (const char c : text) {
      if (atom_byte_[static_cast<unsigned char>(c)]) return true;
    }
    return false;
  }

  // Whether the screen can rule any text out, for tests.
  bool screens() const { return screens_; }

 private:
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
