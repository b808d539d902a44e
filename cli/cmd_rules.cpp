// `outcheck rules [--json]`: every rule the checker runs, from the registry (rules/rule_registry.h).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "checker/json_text.h"
#include "cli/command.h"
#include "rules/rule_registry.h"

namespace outcheck::cli {

namespace {

int run_rules(const OutputOptions& out) {
  std::string text;
  if (out.is_json()) {
    nlohmann::json rules = nlohmann::json::array();
    for (const rules::Rule& r : rules::rule_registry()) {
      rules.push_back({{"id", r.id},
                       {"scope", rules::rule_scope_name(r.scope)},
                       {"outcome", r.outcome},
                       {"summary", r.summary},
                       {"decided_in", r.decided_in},
                       {"redact_fixes", r.fix != nullptr}});
    }
    text = checker::json_text(rules, 2) + "\n";
  } else {
    std::size_t id_width = 0, outcome_width = 0;
    for (const rules::Rule& r : rules::rule_registry()) {
      id_width = std::max(id_width, std::strlen(r.id));
      outcome_width = std::max(outcome_width, std::strlen(r.outcome));
    }
    for (const rules::Rule& r : rules::rule_registry()) {
      std::string line = r.id;
      line.resize(id_width + 2, ' ');
      line += rules::rule_scope_name(r.scope);
      line.resize(id_width + 9, ' ');
      line += r.outcome;
      line.resize(id_width + 9 + outcome_width + 2, ' ');
      text += line + r.summary + (r.fix ? " (redact fixes it)" : "") + "\n";
    }
  }
  if (auto s = emit(out, text); !s.ok()) return report_error(s.error());
  return 0;
}

}  // namespace

Runner attach_rules(CLI::App& sub) {
  auto out = std::make_shared<OutputOptions>();
  out->add_to(sub);
  return [out] { return run_rules(*out); };
}

}  // namespace outcheck::cli
