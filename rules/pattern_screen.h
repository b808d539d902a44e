#pragma once
// A cheap screen in front of a set of RE2 patterns that runs on text read from every row (the
// policy's total patterns on each row's label under raised limits). RE2's FilteredRE2 works out
// the literals ("atoms") that any match of each pattern must contain; text with no byte of any
// of them cannot match, and is ruled out without running a pattern. The screen only ever says
// "cannot match": whatever it lets through is decided by the patterns themselves.
#include <array>
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
    for (const char c : text) {
      if (atom_byte_[static_cast<unsigned char>(c)]) return true;
    }
    return false;
  }

  // Whether the screen can rule any text out, for tests.
  bool screens() const { return screens_; }

 private:
  bool screens_ = false;
  std::array<bool, 256> atom_byte_{};  // a byte some atom holds, in either case; every non-ASCII byte
};

}  // namespace outcheck::rules
