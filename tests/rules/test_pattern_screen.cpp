// The screen in front of the total patterns may only ever rule out text that no pattern matches:
// checked against RE2 itself on every text built from an alphabet of the bytes that matter
// (letters of either case, digits, spaces, non-ASCII letters that lowercase into ASCII ones).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <re2/re2.h>

#include "rules/pattern_screen.h"

using outcheck::rules::PatternScreen;

namespace {

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

bool any_match(const std::vector<std::string>& sources, const std::string& text) {
  for (const auto& s : sources) {
    RE2 re(s, options());
    REQUIRE(re.ok());
    if (RE2::PartialMatch(text, re)) return true;
  }
  return false;
}

// Every text of up to `length` pieces from `alphabet`, and the labels a table holds.
std::vector<std::string> texts(const std::vector<std::string>& alphabet, int length) {
  std::vector<std::string> out{"", "Total", "TOTAL", " total ", "totals", "All", "overall", "Sum", "1", "2019-01-08",
                               "A81001", "E00001234", "Male", "Tot", "sub-total", "\xC5\xBFum", "\xE2\x84\xAA"};
  std::vector<std::string> level{""};
  for (int n = 0; n < length; ++n) {
    std::vector<std::string> next;
    for (const auto& t : level) {
      for (const auto& a : alphabet) next.push_back(t + a);
    }
    out.insert(out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return out;
}

}  // namespace

TEST_CASE("pattern screen: never rules out a text a pattern matches", "[rules]") {
  const std::vector<std::vector<std::string>> pattern_sets = {
      {"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"},  // both presets
      {"(?i)^k$"},                                        // the Kelvin sign folds to k
      {"(?i)^s"},                                         // the long s folds to s
      {"^Total$", "(?i)all"},
      {"tot|\\d"},                                        // one branch needs no literal
      {".*"},
      {"^$"},
      {"(?i)t.t"},
  };
  const std::vector<std::string> alphabet = {"t", "T", "o", "a", "l", "s", "u", "m", "k", "1", " ", "-",
                                             "\xC5\xBF", "\xE2\x84\xAA"};
  const std::vector<std::string> all = texts(alphabet, 3);
  for (const auto& sources : pattern_sets) {
    const PatternScreen screen = PatternScreen::of(sources, options());
    INFO("patterns: " << sources.front());
    for (const auto& text : all) {
      if (!screen.may_match(text)) {
        INFO("text: '" << text << "'");
        CHECK(!any_match(sources, text));
      }
    }
  }
}

TEST_CASE("pattern screen: rules out labels without the patterns' letters, screens only when it can", "[rules]") {
  const auto presets = PatternScreen::of({"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"}, options());
  CHECK(presets.screens());
  for (const char* label : {"1", "6500", "2019-01-08", "0.25", "", "  ", "<=7", "[-]"}) {
    INFO(label);
    CHECK(!presets.may_match(label));
  }
  for (const char* label : {"Total", " ALL", "Sum", "A81001", "Male", "caf\xC3\xA9"}) {
    INFO(label);
    CHECK(presets.may_match(label));
  }
  // A pattern that needs no literal lets everything through; so does the screen of nothing.
  CHECK(!PatternScreen::of({"(?i)total", "^.+$"}, options()).screens());
  CHECK(PatternScreen::of({".*"}, options()).may_match("1"));
  // A small class is a set of atoms: digits pass the screen of "^\d+$", letters do not.
  const auto digits = PatternScreen::of({"^\\d+$"}, options());
  CHECK(digits.may_match("12"));
  CHECK(!digits.may_match("ab"));
  CHECK(!PatternScreen().screens());
  // No pattern: nothing can match.
  CHECK(!PatternScreen::of({}, options()).may_match("Total"));
}

TEST_CASE("pattern screen: a letter or non-ASCII byte at any place of a text of any length gets through", "[rules]") {
  // Text of digits and punctuation is ruled out eight bytes at a time; each place of each length up
  // to 40 bytes must still be looked at.
  const auto presets = PatternScreen::of({"(?i)^\\s*(total|totals|all|overall|sum)\\s*$"}, options());
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text += "0123456789-. /"[i % 14];
    INFO("length " << length);
    CHECK(!presets.may_match(text));
    for (std::size_t at = 0; at < length; ++at) {
      INFO("at " << at);
      // Atoms' letters, either case, a non-ASCII lead byte, and a lone continuation byte (0x80 to
      // 0xBF: bit 7 set, bit 6 clear).
      for (const char c : {'a', 'T', '\xC5', '\x84'}) {
        std::string with = text;
        with[at] = c;
        CHECK(presets.may_match(with));
      }
      std::string other = text;
      other[at] = 'g';  // a letter of no atom
      CHECK(!presets.may_match(other));
    }
    // Bytes from 0x40 that are no atom's ('g', 'x', '@', '_', 'Z'), among digits or alone: each is
    // looked up, and one atom letter among them at any place still gets through.
    for (const std::string fill : {"gx@_Z", "g1x2@3_4Z5"}) {
      std::string others;
      for (std::size_t i = 0; i < length; ++i) others += fill[i % fill.size()];
      INFO("among '" << fill << "'");
      CHECK(!presets.may_match(others));
      for (std::size_t at = 0; at < length; ++at) {
        INFO("at " << at);
        std::string with = others;
        with[at] = 'S';
        CHECK(presets.may_match(with));
      }
    }
  }
}
