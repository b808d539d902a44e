// The rule registry (rules/rule_registry.h, issue 17): interface.md's "Rule ids" table and the
// registry name the same rules with the same outcomes, `outcheck rules` prints it, and every finding
// the checker makes on real tables names a registered rule.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "rules/rule_registry.h"
#include "tests/support/markdown_table.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using namespace outcheck;
using nlohmann::json;

namespace {

struct Row {
  std::string id, outcome;
};

// The rows of interface.md's "Rule ids" table: `id` | outcome | meaning.
std::vector<Row> rule_id_rows() {
  std::vector<Row> rows;
  for (const auto& cells : test::markdown_table_rows(test::slurp(test::shared_dir() + "/spec/interface.md"), "### Rule ids")) {
    REQUIRE(cells.size() >= 2);
    rows.push_back({test::unquote_code(cells[0]), cells[1]});
  }
  return rows;
}

}  // namespace

TEST_CASE("rule registry: interface.md's Rule ids table and the registry name the same rules and outcomes",
          "[rules][registry]") {
  const std::vector<Row> rows = rule_id_rows();
  REQUIRE(rows.size() >= 20);
  std::set<std::string> documented;
  for (const Row& row : rows) {
    documented.insert(row.id);
    INFO("interface.md row " << row.id);
    const rules::Rule* rule = rules::find_rule(row.id);
    REQUIRE(rule != nullptr);
    CHECK(row.outcome == rule->outcome);
  }
  std::set<std::string> ids;
  const std::string readme = test::slurp(fs::path(test::source_dir()) / "README.md");
  for (const rules::Rule& rule : rules::rule_registry()) {
    INFO("registry entry " << rule.id);
    CHECK(ids.insert(rule.id).second);  // once each
    if (rule.in_interface) {
      CHECK(documented.count(rule.id) == 1);
    } else {
      // Added where the spec is silent: the README's decisions say so, with its outcome.
      CHECK(documented.count(rule.id) == 0);
      CHECK(test::contains(readme, "- **`" + std::string(rule.id) + "` (" + rule.outcome + ")**"));
    }
    CHECK(fs::is_regular_file(fs::path(test::source_dir()) / rule.decided_in));
    CHECK(std::string(rule.summary).size() > 10);
  }
  CHECK(rules::find_rule("no_such_rule") == nullptr);
}

TEST_CASE("rule registry: the table rules written as units are made from their entries", "[rules][registry]") {
  // TableCheck makes a unit from each entry that has make_unit; each such rule is a table rule,
  // decided in the file that holds its unit.
  std::vector<std::string> units;
  for (const rules::Rule& rule : rules::rule_registry()) {
    if (!rule.make_unit) continue;
    INFO(rule.id);
    units.push_back(rule.id);
    CHECK(rule.scope == rules::RuleScope::table);
  }
  CHECK(units == std::vector<std::string>{"organisation_identifier", "secondary_disclosure", "derived_from_small_count",
                                          "derived_from_unrounded"});
  CHECK(std::string(rules::find_rule("organisation_identifier")->decided_in) == "rules/organisation_rule.cpp");
  CHECK(std::string(rules::find_rule("secondary_disclosure")->decided_in) == "rules/secondary_rule.cpp");
  CHECK(std::string(rules::find_rule("derived_from_small_count")->decided_in) == "rules/derived_rule.cpp");
  CHECK(std::string(rules::find_rule("derived_from_unrounded")->decided_in) == "rules/unrounded_rates.cpp");
}

TEST_CASE("rule registry: redact's fixes are the registry's, one per rule redact can fix", "[rules][registry]") {
  // Redact runs each distinct fix once a pass, in registry order; the count rules share one (a count
  // is suppressed or rounded), and a rule without a fix is what redact names as still failing.
  std::vector<std::string> fixed;
  for (const rules::Rule& rule : rules::rule_registry()) {
    if (!rule.fix) continue;
    INFO(rule.id);
    fixed.push_back(rule.id);
    CHECK(rule.scope == rules::RuleScope::table);
  }
  CHECK(fixed == std::vector<std::string>{"small_count", "unrounded", "secondary_disclosure", "derived_from_small_count",
                                          "derived_from_unrounded"});
  CHECK(rules::find_rule("small_count")->fix == rules::find_rule("unrounded")->fix);
  CHECK(rules::find_rule("secondary_disclosure")->fix != rules::find_rule("small_count")->fix);
}

TEST_CASE("rule registry: outcheck rules prints every rule, as text and as JSON", "[rules][registry][cli]") {
  test::TempDir dir;
  test::RunResult text = test::run_outcheck({"rules"}, dir.path());
  REQUIRE(text.exit_code == 0);
  test::RunResult as_json = test::run_outcheck({"rules", "--json"}, dir.path());
  REQUIRE(as_json.exit_code == 0);
  json listed = json::parse(as_json.out);
  REQUIRE(listed.size() == rules::rule_registry().size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const rules::Rule& rule = rules::rule_registry()[i];
    CHECK(listed[i].at("id") == rule.id);
    CHECK(listed[i].at("outcome") == rule.outcome);
    CHECK(listed[i].at("scope") == rules::rule_scope_name(rule.scope));
    CHECK(listed[i].at("redact_fixes") == (rule.fix != nullptr));
    CHECK(test::contains(text.out, std::string(rule.id) + " "));
    CHECK(test::contains(text.out, rule.summary));
  }
  CHECK(test::contains(text.out, "a count at or below the threshold and not redacted (redact fixes it)\n"));
  CHECK(test::contains(text.out, "min, max and similar statistics that describe single people\n"));
}

TEST_CASE("rule registry: every finding on the released tables and the example workspace names a registered rule",
          "[rules][registry][cli]") {
  std::set<std::string> seen;
  auto collect = [&](const test::RunResult& r) {
    INFO(r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 3));
    json report = json::parse(r.out);
    for (const json& file : report.at("files")) {
      for (const json& f : file.at("findings")) seen.insert(f.at("rule").get<std::string>());
      for (const auto& [rule, n] : file.at("finding_counts").items()) seen.insert(rule);
    }
  };
  const fs::path corpus = fs::path(test::shared_dir()) / "corpus" / "released-outputs";
  for (const char* preset : {"opensafely", "sdc-handbook"}) {
    collect(test::run_outcheck({"check", "--no-project", "--policy", preset, "--json", corpus.string()}, corpus));
  }
  const fs::path example = fs::path(test::source_dir()) / "examples" / "workspace";
  collect(test::run_outcheck({"check", "--json"}, example));
  // At least the rules the committed tables always give (the example's two largest files are
  // generated, and absent from a fresh clone): a check that found nothing would prove nothing.
  REQUIRE(seen.size() >= 6);
  for (const std::string& rule : seen) {
    INFO("a finding's rule: " << rule);
    CHECK(rules::find_rule(rule) != nullptr);
  }
}
