#include "rules/pattern_screen.h"

#include <re2/filtered_re2.h>

namespace outcheck::rules {

PatternScreen PatternScreen::of(const std::vector<std::string>& sources, const RE2::Options& options) {
  PatternScreen screen;
  screen.screens_ = true;
  if (sources.empty()) return screen;  // nothing matches (FilteredRE2 would log that it has no pattern)
  // Atoms of one byte at least: an empty atom would be in every text, so a pattern whose atoms are
  // all empty is left unfiltered, and then nothing is screened.
  re2::FilteredRE2 filter(1);
  for (const std::string& s : sources) {
    int id = 0;
    if (filter.Add(s, options, &id) != RE2::NoError) return PatternScreen();
  }
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  // A pattern that passes the filter with no atom found (unfiltered) may match any text.
  std::vector<int> potential;
  filter.AllPotentials({}, &potential);
  if (!potential.empty()) return PatternScreen();
  for (const std::string& atom : atoms) {
    if (atom.empty()) return PatternScreen();
    for (const char c : atom) {
      const unsigned char b = static_cast<unsigned char>(c);
      screen.atom_byte_[b] = true;
      if (b >= 'a' && b <= 'z') screen.atom_byte_[b - 'a' + 'A'] = true;
      if (b >= 'A' && b <= 'Z') screen.atom_byte_[b - 'A' + 'a'] = true;
    }
  }
  // Atoms are matched against lowercased text. Lowercasing outside ASCII can turn a byte into an
  // atom's (the Kelvin sign into "k", the long s into "s"), so every non-ASCII byte goes through.
  for (int b = 0x80; b < 0x100; ++b) screen.atom_byte_[static_cast<std::size_t>(b)] = true;
  screen.atoms_from_0x40_ = true;
  for (int b = 0; b < 0x40; ++b) screen.atoms_from_0x40_ &= !screen.atom_byte_[static_cast<std::size_t>(b)];
  return screen;
}

}  // namespace outcheck::rules
