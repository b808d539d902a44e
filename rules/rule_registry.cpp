#include "rules/rule_registry.h"

#include "rules/count_fix.h"
#include "rules/derived_rule.h"
#include "rules/organisation_rule.h"
#include "rules/secondary_rule.h"
#include "rules/table_rule.h"
#include "rules/unrounded_rates.h"

namespace outcheck::rules {

const std::vector<Rule>& rule_registry() {
  using S = RuleScope;
  static const std::vector<Rule> rules = {
      {"privacy_level", S::file, "blocked", "declared highly_sensitive or minimally_sensitive", "checker/file_check.cpp"},
      {"undeclared", S::file, "blocked", "matches no output pattern of project.yaml", "checker/file_check.cpp"},
      {"outside_workspace", S::file, "blocked", "resolves, links included, outside the workspace",
       "checker/file_check.cpp"},
      {"linked_to_protected", S::file, "blocked", "a link to, or a hard link of, a file that is itself blocked",
       "checker/file_check.cpp"},
      {"special_file", S::file, "blocked", "a dangling link, a link to a folder, a pipe, socket or device, or unreadable",
       "checker/file_check.cpp", /*in_interface=*/false},
      {"file_type", S::file, "blocked", "an extension not in the policy's release types", "checker/file_check.cpp"},
      {"file_size", S::file, "blocked", "larger than limits.max_file_bytes", "checker/file_check.cpp"},
      {"patient_id", S::table, "blocked", "a column whose header identifies patients", "rules/table_check.cpp"},
      {"identifier_value", S::table, "blocked or fail", "values that identify people (NHS numbers, policy patterns)",
       "rules/table_check.cpp"},
      {"csv_rows", S::file, "fail", "more data records than limits.max_csv_rows", "checker/file_check.cpp"},
      {"malformed_csv", S::file, "fail", "not a well-formed CSV: the count of bad records and the first one's row",
       "checker/csv_scan.cpp"},
      {"delimiter", S::file, "review", "a .csv separated by tabs or semicolons, checked as such", "checker/csv_scan.cpp"},
      {"organisation_identifier", S::table, "fail (codes) / review (keyed by practice)",
       "real practice or ONS area codes; a table keyed by pseudonymous practice ids", "rules/organisation_rule.cpp", true,
       make_organisation_rule},
      {"small_count", S::table, "fail", "a count at or below the threshold and not redacted", "rules/count_rules.cpp",
       true, nullptr, fix_counts},
      {"unrounded", S::table, "fail", "a count that does not follow the rounding rule", "rules/count_rules.cpp", true,
       nullptr, fix_counts},
      {"secondary_disclosure", S::table, "fail", "a redacted cell that the other cells and totals give back",
       "rules/secondary_rule.cpp", true, [](const TableFacts& f) { return make_secondary_rule(f); }, fix_secondary},
      {"derived_from_small_count", S::table, "fail", "a rate, ratio or percentage computed from a small count",
       "rules/derived_rule.cpp", true, make_derived_rule, fix_derived},
      {"derived_from_unrounded", S::table, "fail", "a rate computed from unrounded counts: it gives them back",
       "rules/unrounded_rates.cpp", true, make_unrounded_rates_rule,
       [](const TableFix& f) { fix_unrounded_rates(f.policy, f.table, f.roles, f.set); }},
      {"unsafe_statistic", S::table, "fail (opensafely) / review (sdc-handbook)",
       "min, max and similar statistics that describe single people", "rules/column_roles.cpp"},
      {"needs_review", S::file, "review", "a file no rule can check (image, html, txt, json, md, log)",
       "checker/file_check.cpp"},
      {"not_from_job", S::file, "blocked", "job-runner's manifest has no entry for the file", "checker/file_check.cpp"},
      {"changed_since_job", S::file, "blocked", "the file's sha256 differs from its manifest entry",
       "checker/file_check.cpp"},
      {"excluded_by_job", S::file, "blocked", "job-runner's own check excluded the file", "checker/file_check.cpp"},
      {"out_of_date", S::file, "review", "its action, or the action's declaration of it, is gone from project.yaml",
       "checker/file_check.cpp"},
  };
  return rules;
}

const Rule* find_rule(std::string_view id) {
  for (const Rule& r : rule_registry()) {
    if (id == r.id) return &r;
  }
  return nullptr;
}

const char* rule_scope_name(RuleScope scope) { return scope == RuleScope::file ? "file" : "table"; }

}  // namespace outcheck::rules
