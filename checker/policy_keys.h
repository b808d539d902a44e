#pragma once
// Every policy key, once (policy.md "All keys"): its dotted name, the kind of value it takes, one
// line of documentation, and how it reads and writes rules::Policy. The policy file parser, the
// effective policy in reports and `policy show`, and the test that policy.md lists every key all
// read this table; adding a key is one line here and its field in rules/policy.h.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/policy.h"

namespace outcheck::checker {

enum class PolicyValueKind {
  whole_number,  // at least PolicyKey::min
  boolean,       // true or false
  pattern,       // one RE2 pattern
  patterns,      // a list of RE2 patterns
  strings,       // a list of strings (an empty entry is the empty string)
  extensions,    // a list of file extensions with their dot: ".csv"
  bases,         // a list of whole numbers, each at least 2
  choice,        // one of PolicyKey::choices
};

struct PolicyKey {
  const char* name;  // "small_count.threshold": a section and its field, or a key of its own ("totals")
  PolicyValueKind kind;
  const char* doc;  // one line
  // The value as the effective policy shows it, and setting it from a value of this kind (already
  // checked by the parser).
  nlohmann::json (*get)(const rules::Policy&);
  void (*set)(rules::Policy&, const nlohmann::json&);
  std::int64_t min = 0;              // whole_number
  std::vector<const char*> choices = {};  // choice
  bool top_level_only = false;       // not allowed in a `files` entry
};

const std::vector<PolicyKey>& policy_keys();

// "small_count.threshold" -> "/small_count/threshold": where the key sits in the effective policy.
nlohmann::json::json_pointer policy_key_pointer(const std::string& name);

}  // namespace outcheck::checker
