#pragma once
// `--policy NAME|FILE`: a built-in preset, or a YAML policy file (policy.md) that extends one.
// Strict: unknown keys, wrong types and bad RE2 patterns are errors naming the key and line.
#include <filesystem>
#include <string>

#include "base/result.h"
#include "checker/policy_set.h"

namespace outcheck::checker {

// A preset name, else a file path (relative to `cwd`).
Result<PolicySet> load_policy(const std::string& name_or_file, const std::filesystem::path& cwd);
Result<PolicySet> parse_policy_file(const std::string& path, std::string text);

}  // namespace outcheck::checker
