#include "checker/policy_set.h"

#include "checker/output_pattern.h"
#include "checker/policy_keys.h"

namespace outcheck::checker {

const PolicyOverride* PolicySet::override_for(std::string_view relpath) const {
  for (const auto& o : overrides) {
    if (glob_match(o.glob, relpath)) return &o;
  }
  return nullptr;
}

const rules::CompiledPolicy& PolicySet::for_path(std::string_view relpath) const {
  const PolicyOverride* o = override_for(relpath);
  return o ? *o->policy : *base;
}

nlohmann::json policy_to_json(const rules::Policy& p) {
  nlohmann::json j{{"name", p.name}};
  for (const PolicyKey& key : policy_keys()) j[policy_key_pointer(key.name)] = key.get(p);
  return j;
}

}  // namespace outcheck::checker
