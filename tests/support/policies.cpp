#include "tests/support/policies.h"

#include <catch2/catch.hpp>

namespace outcheck::test {

std::shared_ptr<const rules::CompiledPolicy> compiled_policy(rules::Policy policy) {
  auto compiled = rules::CompiledPolicy::compile(std::move(policy));
  REQUIRE(compiled.ok());
  return *compiled;
}

std::shared_ptr<const rules::CompiledPolicy> compiled_preset(const std::string& name) {
  auto p = rules::preset_policy(name);
  REQUIRE(p);
  return compiled_policy(*p);
}

}  // namespace outcheck::test
