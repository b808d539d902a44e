// Policy files (policy.md): `extends`, overrides, per-file overrides, and strict errors that name
// the file, line, column and key. Expected values come from policy.md and are worked out by hand.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/policy_file.h"
#include "checker/policy_set.h"
#include "rules/policy.h"
#include "tests/support/workspace_fixture.h"

using namespace outcheck;
using namespace outcheck::checker;
using nlohmann::json;
using outcheck::test::TempDir;

using outcheck::test::contains;

namespace {

PolicySet parse_ok(const std::string& text) {
  auto r = parse_policy_file("site.yaml", text);
  INFO(text);
  if (!r.ok()) FAIL("unexpected error: " << r.error().message);
  return *r;
}

// The first line of the error (a YAML error may add the source line and a caret).
std::string parse_error(const std::string& text) {
  auto r = parse_policy_file("site.yaml", text);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  // Exit-2 errors: invalid input, never a refusal.
  CHECK(r.error().kind == ErrorKind::invalid_input);
  const std::string& m = r.error().message;
  return m.substr(0, m.find('\n'));
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

// ---------------------------------------------------------------------------------------------
// What a file sets

TEST_CASE("policy file: without extends it starts from opensafely", "[policy]") {
  PolicySet set = parse_ok("rounding: {base: 10}\n");
  const rules::Policy& p = set.base->policy();
  CHECK(p.name == "site.yaml");
  CHECK(p.rounding_base == 10);
  CHECK(p.small_count_threshold == 7);
  CHECK_FALSE(p.zeros_disclosive);
  CHECK(p.max_csv_rows == 5000);
  CHECK(p.max_file_bytes == 16777216);
  CHECK(p.unsafe_statistic_outcome == rules::Outcome::fail);
  CHECK(set.overrides.empty());
}

TEST_CASE("policy file: extends sdc-handbook, then overrides the threshold", "[policy]") {
  PolicySet set = parse_ok("extends: sdc-handbook\nsmall_count:\n  threshold: 12\n");
  const rules::Policy& p = set.base->policy();
  CHECK(p.small_count_threshold == 12);
  // The rest is sdc-handbook's: zeros disclosive, no rounding rule, unsafe statistics to review.
  CHECK(p.zeros_disclosive);
  CHECK(p.rounding_base == 1);
  CHECK(p.unsafe_statistic_outcome == rules::Outcome::review);
  CHECK(p.midpoint6_columns == "(?i)_midpoint6(_derived)?$");
  CHECK(p.name == "site.yaml");

  // The report shows the effective settings.
  json j = policy_to_json(p);
  CHECK(j["small_count"]["threshold"] == 12);
  CHECK(j["small_count"]["zeros_disclosive"] == true);
  CHECK(j["rounding"]["base"] == 1);
}

TEST_CASE("policy file: the example of policy.md parses as written", "[policy]") {
  PolicySet set = parse_ok(
      "extends: opensafely\n"
      "small_count: {threshold: 7, zeros_disclosive: false}\n"
      "rounding: {base: 5}\n"
      "limits: {max_file_bytes: 16777216, max_csv_rows: 5000}\n"
      "columns:\n"
      "  identifier: ['(?i)^practice$', '(?i)^stp$']\n"
      "files:\n"
      "  - glob: \"output/extra/*.csv\"\n"
      "    small_count: {threshold: 10}\n");
  const rules::Policy& p = set.base->policy();
  CHECK(p.small_count_threshold == 7);
  CHECK(p.rounding_base == 5);
  CHECK(p.identifier_columns == std::vector<std::string>{"(?i)^practice$", "(?i)^stp$"});
  CHECK(set.base->header_role("practice") == rules::HeaderRole::identifier);
  CHECK(set.base->header_role("STP") == rules::HeaderRole::identifier);
  REQUIRE(set.overrides.size() == 1);
  CHECK(set.overrides[0].policy->policy().small_count_threshold == 10);
}

TEST_CASE("policy file: per-file overrides, first match wins", "[policy]") {
  PolicySet set = parse_ok(
      "rounding: {base: 10}\n"
      "files:\n"
      "  - glob: \"output/extra/*.csv\"\n"
      "    small_count: {threshold: 10}\n"
      "  - glob: \"output/*/*.csv\"\n"
      "    small_count: {threshold: 20, zeros_disclosive: true}\n"
      "    outcomes: {unsafe_statistic: review}\n");
  REQUIRE(set.overrides.size() == 2);

  SECTION("a file both globs match takes the first") {
    const PolicyOverride* o = set.override_for("output/extra/table.csv");
    REQUIRE(o != nullptr);
    CHECK(o->glob == "output/extra/*.csv");
    // The keys as written, for the report's per-file `policy`.
    CHECK(o->keys == json{{"small_count", {{"threshold", 10}}}});
    const rules::Policy& p = set.for_path("output/extra/table.csv").policy();
    CHECK(p.small_count_threshold == 10);
    // An override applies to the file's top-level settings, not to the preset's.
    CHECK(p.rounding_base == 10);
    CHECK_FALSE(p.zeros_disclosive);
  }
  SECTION("a file only the second matches") {
    const PolicyOverride* o = set.override_for("output/other/table.csv");
    REQUIRE(o != nullptr);
    CHECK(o->glob == "output/*/*.csv");
    CHECK(o->keys == json{{"small_count", {{"threshold", 20}, {"zeros_disclosive", true}}},
                          {"outcomes", {{"unsafe_statistic", "review"}}}});
    const rules::Policy& p = set.for_path("output/other/table.csv").policy();
    CHECK(p.small_count_threshold == 20);
    CHECK(p.zeros_disclosive);
    CHECK(p.unsafe_statistic_outcome == rules::Outcome::review);
    CHECK(p.rounding_base == 10);
  }
  SECTION("a file no glob matches gets the base") {
    CHECK(set.override_for("output/table.csv") == nullptr);
    // `*` does not cross `/`.
    CHECK(set.override_for("output/extra/deeper/table.csv") == nullptr);
    CHECK(set.override_for("output/extra/table.png") == nullptr);
    const rules::Policy& p = set.for_path("output/table.csv").policy();
    CHECK(p.small_count_threshold == 7);
    CHECK(p.rounding_base == 10);
    CHECK(&set.for_path("output/table.csv") == set.base.get());
  }
}

// ---------------------------------------------------------------------------------------------
// Errors: `path:line:col: key: problem`

TEST_CASE("policy file: an unknown top-level key is an error naming it and its place", "[policy]") {
  std::string e = parse_error("extends: opensafely\nsmal_count: {threshold: 3}\n");
  CHECK(starts_with(e, "site.yaml:2:1: "));
  CHECK(contains(e, "smal_count"));
}

TEST_CASE("policy file: an unknown nested key is an error naming the dotted key", "[policy]") {
  std::string e = parse_error("small_count:\n  limit: 3\n");
  CHECK(starts_with(e, "site.yaml:2:3: "));
  CHECK(contains(e, "small_count.limit"));
}

TEST_CASE("policy file: wrong types are errors naming the key", "[policy]") {
  SECTION("threshold: seven") {
    // "  threshold: " is 13 characters: the value starts in column 14.
    std::string e = parse_error("small_count:\n  threshold: seven\n");
    CHECK(starts_with(e, "site.yaml:2:14: "));
    CHECK(contains(e, "small_count.threshold"));
    CHECK(contains(e, "seven"));
  }
  SECTION("zeros_disclosive: 3") {
    // "  zeros_disclosive: " is 20 characters.
    std::string e = parse_error("small_count:\n  zeros_disclosive: 3\n");
    CHECK(starts_with(e, "site.yaml:2:21: "));
    CHECK(contains(e, "small_count.zeros_disclosive"));
  }
  SECTION("release_types: .csv (a string, not a list)") {
    // "  release_types: " is 17 characters.
    std::string e = parse_error("limits:\n  release_types: .csv\n");
    CHECK(starts_with(e, "site.yaml:2:18: "));
    CHECK(contains(e, "limits.release_types"));
  }
  SECTION("a release type without its dot") {
    std::string e = parse_error("limits:\n  release_types: [csv]\n");
    CHECK(starts_with(e, "site.yaml:2:"));
    CHECK(contains(e, "limits.release_types"));
  }
  SECTION("a negative threshold") {
    std::string e = parse_error("small_count: {threshold: -1}\n");
    CHECK(starts_with(e, "site.yaml:1:"));
    CHECK(contains(e, "small_count.threshold"));
  }
  SECTION("small_count as a scalar") {
    std::string e = parse_error("small_count: 7\n");
    CHECK(starts_with(e, "site.yaml:1:14: "));
    CHECK(contains(e, "small_count"));
  }
  SECTION("outcomes.unsafe_statistic: blocked") {
    std::string e = parse_error("outcomes:\n  unsafe_statistic: blocked\n");
    CHECK(starts_with(e, "site.yaml:2:"));
    CHECK(contains(e, "outcomes.unsafe_statistic"));
  }
}

TEST_CASE("policy file: a bad RE2 pattern is an error naming the key", "[policy]") {
  SECTION("in a list") {
    // "columns: {count: [" is 18 characters: the pattern's quote is in column 19.
    std::string e = parse_error("columns: {count: ['(']}\n");
    CHECK(starts_with(e, "site.yaml:1:19: "));
    CHECK(contains(e, "columns.count"));
    CHECK(contains(e, "'('"));
  }
  SECTION("midpoint6.columns") {
    std::string e = parse_error("midpoint6:\n  columns: '[a-'\n");
    CHECK(starts_with(e, "site.yaml:2:12: "));
    CHECK(contains(e, "midpoint6.columns"));
  }
  SECTION("in a files entry") {
    std::string e = parse_error("files:\n  - glob: \"output/*.csv\"\n    totals: ['(?P<x']\n");
    CHECK(starts_with(e, "site.yaml:3:"));
    CHECK(contains(e, "totals"));
  }
}

TEST_CASE("policy file: extends must name a preset", "[policy]") {
  std::string e = parse_error("extends: acro\n");
  CHECK(starts_with(e, "site.yaml:1:10: "));
  CHECK(contains(e, "extends"));
  CHECK(contains(e, "opensafely"));
  CHECK(contains(e, "sdc-handbook"));
}

TEST_CASE("policy file: a files entry needs a glob", "[policy]") {
  SECTION("no glob") {
    // The entry's mapping starts after "  - ", in column 5.
    std::string e = parse_error("files:\n  - small_count: {threshold: 10}\n");
    CHECK(starts_with(e, "site.yaml:2:5: "));
    CHECK(contains(e, "files"));
    CHECK(contains(e, "glob"));
  }
  SECTION("extends inside an entry is not allowed") {
    std::string e = parse_error("files:\n  - glob: \"output/*.csv\"\n    extends: sdc-handbook\n");
    CHECK(starts_with(e, "site.yaml:3:5: "));
    CHECK(contains(e, "extends"));
  }
  SECTION("files is not a list") {
    std::string e = parse_error("files: {glob: \"output/*.csv\"}\n");
    CHECK(starts_with(e, "site.yaml:1:"));
    CHECK(contains(e, "files"));
  }
}

TEST_CASE("policy file: a duplicate key is an error naming it", "[policy]") {
  std::string e = parse_error("small_count: {threshold: 3}\nsmall_count: {threshold: 4}\n");
  CHECK(starts_with(e, "site.yaml:2:1: "));
  CHECK(contains(e, "small_count"));
  CHECK(contains(e, "line 1"));
}

TEST_CASE("policy file: a file that is not a mapping is an error", "[policy]") {
  std::string e = parse_error("- small_count\n");
  CHECK(starts_with(e, "site.yaml"));
}

// ---------------------------------------------------------------------------------------------
// load_policy: presets by name, files by path

TEST_CASE("load_policy: presets and files", "[policy]") {
  TempDir dir;
  SECTION("opensafely by name") {
    auto r = load_policy("opensafely", dir.path());
    REQUIRE(r.ok());
    const rules::Policy& p = r->base->policy();
    CHECK(p.name == "opensafely");
    CHECK(p.small_count_threshold == 7);
    CHECK(p.rounding_base == 5);
    CHECK_FALSE(p.zeros_disclosive);
    CHECK(p.max_csv_rows == 5000);
    CHECK(r->overrides.empty());
  }
  SECTION("sdc-handbook by name") {
    auto r = load_policy("sdc-handbook", dir.path());
    REQUIRE(r.ok());
    const rules::Policy& p = r->base->policy();
    CHECK(p.name == "sdc-handbook");
    CHECK(p.small_count_threshold == 9);
    CHECK(p.zeros_disclosive);
    CHECK(p.rounding_base == 1);
  }
  SECTION("a file relative to the working folder") {
    dir.write("policies/site.yaml", "extends: sdc-handbook\nrounding: {base: 5}\n");
    auto r = load_policy("policies/site.yaml", dir.path());
    REQUIRE(r.ok());
    CHECK(r->base->policy().small_count_threshold == 9);
    CHECK(r->base->policy().rounding_base == 5);
  }
  SECTION("a missing file is an error naming it") {
    auto r = load_policy("no-such-policy.yaml", dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind != ErrorKind::refused);
    CHECK(contains(r.error().message, "no-such-policy.yaml"));
  }
  SECTION("an error in a file names its path") {
    dir.write("bad.yaml", "small_count:\n  threshold: seven\n");
    auto r = load_policy("bad.yaml", dir.path());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::invalid_input);
    CHECK(contains(r.error().message, "bad.yaml:2:14: "));
    CHECK(contains(r.error().message, "small_count.threshold"));
  }
}

// ---------------------------------------------------------------------------------------------
// organisation_identifier: fail|review|off (policy.md; interface.md rule `organisation_identifier`)

TEST_CASE("policy: the presets' organisation_identifier", "[policy]") {
  TempDir dir;
  auto os = load_policy("opensafely", dir.path());
  REQUIRE(os.ok());
  CHECK(os->base->policy().organisation_identifier == std::optional<rules::Outcome>(rules::Outcome::fail));
  CHECK(policy_to_json(os->base->policy())["organisation_identifier"] == "fail");
  auto sdc = load_policy("sdc-handbook", dir.path());
  REQUIRE(sdc.ok());
  CHECK(sdc->base->policy().organisation_identifier == std::optional<rules::Outcome>(rules::Outcome::review));
  CHECK(policy_to_json(sdc->base->policy())["organisation_identifier"] == "review");
  // A file that does not set it keeps its preset's.
  CHECK(parse_ok("extends: sdc-handbook\n").base->policy().organisation_identifier ==
        std::optional<rules::Outcome>(rules::Outcome::review));
  CHECK(parse_ok("rounding: {base: 5}\n").base->policy().organisation_identifier ==
        std::optional<rules::Outcome>(rules::Outcome::fail));
}

TEST_CASE("policy file: organisation_identifier fail, review or off", "[policy]") {
  SECTION("review over opensafely") {
    PolicySet set = parse_ok("organisation_identifier: review\n");
    CHECK(set.base->policy().organisation_identifier == std::optional<rules::Outcome>(rules::Outcome::review));
    CHECK(policy_to_json(set.base->policy())["organisation_identifier"] == "review");
  }
  SECTION("fail over sdc-handbook") {
    PolicySet set = parse_ok("extends: sdc-handbook\norganisation_identifier: fail\n");
    CHECK(set.base->policy().organisation_identifier == std::optional<rules::Outcome>(rules::Outcome::fail));
    CHECK(policy_to_json(set.base->policy())["organisation_identifier"] == "fail");
  }
  SECTION("off (YAML 1.1 would read a bare off as false: it is the word here)") {
    PolicySet set = parse_ok("organisation_identifier: off\n");
    CHECK(set.base->policy().organisation_identifier == std::nullopt);
    CHECK(policy_to_json(set.base->policy())["organisation_identifier"] == "off");
  }
  SECTION("in a files entry, recorded as written") {
    PolicySet set = parse_ok(
        "files:\n"
        "  - glob: \"output/practice/*.csv\"\n"
        "    organisation_identifier: off\n");
    CHECK(set.base->policy().organisation_identifier == std::optional<rules::Outcome>(rules::Outcome::fail));
    const PolicyOverride* o = set.override_for("output/practice/table.csv");
    REQUIRE(o != nullptr);
    CHECK(o->keys == json{{"organisation_identifier", "off"}});
    CHECK(o->policy->policy().organisation_identifier == std::nullopt);
  }
}

TEST_CASE("policy file: a bad organisation_identifier is an error naming the key and line", "[policy]") {
  SECTION("blocked") {
    // "organisation_identifier: " is 25 characters: the value starts in column 26.
    std::string e = parse_error("rounding: {base: 5}\norganisation_identifier: blocked\n");
    CHECK(starts_with(e, "site.yaml:2:26: "));
    CHECK(contains(e, "organisation_identifier"));
    CHECK(contains(e, "fail, review or off"));
  }
  SECTION("false") {
    std::string e = parse_error("organisation_identifier: false\n");
    CHECK(starts_with(e, "site.yaml:1:26: "));
    CHECK(contains(e, "organisation_identifier"));
  }
  SECTION("a list") {
    std::string e = parse_error("organisation_identifier: [fail]\n");
    CHECK(starts_with(e, "site.yaml:1:"));
    CHECK(contains(e, "organisation_identifier"));
  }
  SECTION("in a files entry") {
    std::string e = parse_error("files:\n  - glob: \"output/*.csv\"\n    organisation_identifier: Fail\n");
    CHECK(starts_with(e, "site.yaml:3:"));
    CHECK(contains(e, "organisation_identifier"));
  }
}
