#pragma once
// A policy with its RE2 patterns compiled once, shared read-only by every file a run checks.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "base/result.h"
#include "rules/pattern_screen.h"
#include "rules/policy.h"

namespace outcheck::rules {

// What a column's header alone says it is (policy.md "Column roles"), in the order tried.
enum class HeaderRole { none, patient_identifier, unsafe_statistic, identifier, dimension, rate, count, measure };

class CompiledPolicy {
 public:
  // Fails with the key and the RE2 error when a pattern does not compile.
  static Result<std::shared_ptr<const CompiledPolicy>> compile(Policy policy);

  const Policy& policy() const { return policy_; }

  HeaderRole header_role(std::string_view header) const;
  bool is_midpoint6(std::string_view header) const;
  // Inline: the screen rules out most rows' labels before a pattern runs (pattern_screen.h).
  bool is_total(std::string_view label_or_header) const {
    return totals_screen_.may_match(label_or_header) && matches_total(label_or_header);
  }
  // A redaction marker: the policy's exact markers (case- and space-insensitive), and `<=N`, `<N`.
  bool is_marker(std::string_view cell) const;
  // False when no marker can start with `c` (upper case, not a space or tab): is_marker is then
  // false for every cell whose first character is `c`, so the call can be skipped.
  bool marker_may_start_with(unsigned char c) const { return marker_start_[c]; }
  // False when is_marker(cell) is sure to be false, from the cell's first character alone.
  bool may_be_marker(std::string_view cell) const {
    return cell.empty() ? empty_is_marker_ : marker_first_byte_[static_cast<unsigned char>(cell[0])];
  }
  // The policy's identifier_values.patterns (none by default: then this costs nothing).
  bool is_identifier_value(std::string_view cell) const {
    return !identifier_values_.empty() && any_match(identifier_values_, cell);
  }
  bool has_identifier_patterns() const { return !identifier_values_.empty(); }
  // The first of the policy's identifier_values.patterns that `cell` matches, as written in the
  // policy; nullptr when none does. For a finding's message (the fast test is is_identifier_value).
  const std::string* identifier_value_pattern(std::string_view cell) const;

 private:
  using Patterns = std::vector<std::unique_ptr<RE2>>;
  static bool any_match(const Patterns& patterns, std::string_view text);

  Policy policy_;
  Patterns patient_identifier_, unsafe_statistic_, identifier_, dimension_, rate_, count_, measure_, totals_,
      identifier_values_;
  bool matches_total(std::string_view text) const;  // the total patterns themselves
  PatternScreen totals_screen_;  // is_total runs on every row's label: most are ruled out without RE2
  std::unique_ptr<RE2> midpoint6_;
  std::vector<std::string> markers_;  // normalised: upper case, no spaces
  // First non-space characters (upper-cased) a marker can start with, so most cells are ruled out
  // by one lookup; and whether the empty cell is a marker.
  bool marker_start_[256] = {};
  // may_be_marker's answer by a cell's first byte, as written: a space or tab (a marker may follow),
  // or either case of a byte in marker_start_. Looked up once per cell, on most cells of a table.
  bool marker_first_byte_[256] = {};
  bool empty_is_marker_ = false;
};

// Upper-cases ASCII letters and drops spaces, for marker comparison.
std::string normalise_marker(std::string_view cell);

}  // namespace outcheck::rules
