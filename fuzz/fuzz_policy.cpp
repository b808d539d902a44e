// libFuzzer harness for the policy loader (checker/policy_file.h): parse_policy_file on the bytes,
// then everything a run does with an accepted policy set: per-file lookups and the report JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "checker/json_text.h"
#include "checker/policy_file.h"
#include "checker/policy_set.h"

using namespace outcheck::checker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto set = parse_policy_file("policy.yaml", std::move(text));
  if (!set) {
    if (set.error().message.empty()) __builtin_trap();
    return 0;
  }
  (void)json_text(policy_to_json(set->base->policy()));
  for (const char* path : {"output/table.csv", "output/extra/table.csv", "a.csv", ""}) {
    (void)set->for_path(path);
    if (const PolicyOverride* o = set->override_for(path)) {
      (void)json_text(o->keys);
      (void)json_text(policy_to_json(o->policy->policy()));
    }
  }
  return 0;
}
