#pragma once
// The effective policy of a run: a base policy plus per-file overrides by glob (first match wins).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "rules/compiled_policy.h"

namespace outcheck::checker {

struct PolicyOverride {
  std::string glob;
  std::shared_ptr<const rules::CompiledPolicy> policy;  // the base with the override applied
  nlohmann::json keys;                                  // the overriding keys, as written
};

struct PolicySet {
  std::shared_ptr<const rules::CompiledPolicy> base;
  std::vector<PolicyOverride> overrides;

  // The override that applies to a workspace-relative path, or null for the base.
  const PolicyOverride* override_for(std::string_view relpath) const;
  const rules::CompiledPolicy& for_path(std::string_view relpath) const;
};

// The policy's settings keyed as in policy.md, for reports.
nlohmann::json policy_to_json(const rules::Policy& policy);

}  // namespace outcheck::checker
