#pragma once
// Compiled policies for tests (REQUIRE-ing that they compile).
#include <memory>
#include <string>

#include "rules/compiled_policy.h"
#include "rules/policy.h"

namespace outcheck::test {

std::shared_ptr<const rules::CompiledPolicy> compiled_policy(rules::Policy policy);
// A built-in preset ("opensafely", "sdc-handbook"), compiled.
std::shared_ptr<const rules::CompiledPolicy> compiled_preset(const std::string& name);

}  // namespace outcheck::test
