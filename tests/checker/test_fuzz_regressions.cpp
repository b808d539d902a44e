// Every input the libFuzzer harnesses (fuzz/, scripts/fuzz.sh) found to crash, hang or trip a
// sanitizer, byte for byte as libFuzzer wrote it, fed through the code path of its harness.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/check_run.h"
#include "checker/json_text.h"
#include "checker/policy_file.h"
#include "checker/policy_set.h"
#include "checker/project.h"
#include "checker/report.h"
#include "checker/workspace.h"
#include "tests/support/workspace_fixture.h"

using namespace outcheck;
using namespace outcheck::checker;
using nlohmann::json;

namespace {

// fuzz_check_file's workspace: output/*.csv is moderately sensitive.
const char* const kProject =
    "version: '4'\n"
    "actions:\n"
    "  tables:\n"
    "    run: python:latest python analysis/tables.py\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        tables: output/*.csv\n";

// fuzz_check_file's path: the bytes as output/fuzz.csv, checked with `policy`, and the report
// rendered as `check --format json` and the text format do. Returns the JSON, parsed back.
json check_csv(const std::string& bytes, const std::string& policy = "opensafely") {
  test::Workspace dir(kProject);
  dir.write("output/fuzz.csv", bytes);
  auto ws = open_workspace(dir.path());
  REQUIRE(ws.ok());
  auto policies = policy == "opensafely" ? load_policy(policy, dir.path()) : parse_policy_file("policy.yaml", policy);
  REQUIRE(policies.ok());
  CheckOptions options;
  options.paths = {"output/fuzz.csv"};
  options.cwd = ws->root;
  options.threads = 1;
  auto report = run_check(*ws, *policies, options);
  REQUIRE(report.ok());
  REQUIRE(report->files.size() == 1);
  CHECK(report->files[0].sha256.has_value());
  std::string text;
  REQUIRE_NOTHROW(text = json_text(report_to_json(*report), 2));
  REQUIRE_NOTHROW(report_to_text(*report));
  return json::parse(text);
}

std::vector<json> findings_of(const json& report, const std::string& rule) {
  std::vector<json> out;
  for (const auto& f : report["files"][0]["findings"]) {
    if (f["rule"] == rule) out.push_back(f);
  }
  return out;
}

}  // namespace

// fuzz_check_file: a header with an invalid UTF-8 byte reached a finding's `column`, and the JSON
// report could not be written at all (nlohmann::json throws on invalid UTF-8; `check` exited 2 with
// "internal error" and no report).
TEST_CASE("fuzz: a CSV header holding an invalid UTF-8 byte still gets its JSON report", "[fuzz]") {
  const std::string bytes =
      "practice,events_midpoint6,events_midpoint6_derived\xb9" "1,3,6\n"
      "2,9,12\n"
      "3,0,0\n";
  json report = check_csv(bytes);
  CHECK(report["files"][0]["outcome"] == "fail");
  // The byte is shown as U+FFFD.
  CHECK(report.dump().find("events_midpoint6_derived\xEF\xBF\xBD" "1") != std::string::npos);
}

// fuzz_check_file: a secondary-disclosure exposure on a cell that a short (ragged) row does not have
// read past the end of the row (heap out of bounds: std::length_error or garbage in the finding).
TEST_CASE("fuzz: a secondary disclosure on a cell missing from a short row", "[fuzz]") {
  SECTION("the reproducer") {
    const std::string bytes =
        ",a,b,total\n"
        "x,[REDACTED],10,1\xc9\xf5y,20,25,45\n"
        "total,233,5,58\n"
        "\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde"
        "\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde";
    json report = check_csv(bytes);
    CHECK(report["files"][0]["outcome"] == "fail");
    for (const auto& f : findings_of(report, "secondary_disclosure")) {
      CHECK(f["value"].is_string());
    }
  }
  SECTION("the same shape, worked by hand") {
    // Row x has no cell under b (read as empty, a redaction marker); column b's total gives it back
    // as 5 - 3 = 2.
    json report = check_csv(",a,b,total\nx,10\ny,20,3,23\ntotal,30,5,35\n");
    auto found = findings_of(report, "secondary_disclosure");
    REQUIRE(found.size() == 1);
    CHECK(found[0]["row"] == 1);
    CHECK(found[0]["column"] == "b");
    CHECK(found[0]["value"] == "");
  }
}

// fuzz_policy: a redaction marker with invalid UTF-8 bytes made the effective policy, printed in
// every JSON report, impossible to write. Either the file is refused (a YAML file must be UTF-8) or
// its policy is written with U+FFFD; never an exception.
TEST_CASE("fuzz: a policy file holding invalid UTF-8 in a marker", "[fuzz]") {
  const std::string bytes =
      "extends: opensafely\n"
      "small_count: {threshold: 9, zeros_disclosive: true}\n"
      "rounding: {base: 1}\n"
      "midpoint6: {columns: \"(?i)_m6$\"}\n"
      "limits:\n"
      "  max_file_bytes: 1048576\n"
      "  max_csv_rows: 100\n"
      "  release_types: [\".csv\", \".txt\"]\n"
      "redaction_markers: [\"[\xae\xba\xbb\xbe\xbc\xab\xba\xb3]\", \"suppressed\", \"\"]\n"
      "columns:\n"
      "  patient_identifier: [\"(?i)^patient_?id$\"]\n"
      "  identifier: [\"(?i)^practice$\"]\n"
      "  count: [\"(?i)^n$\"]\n"
      "  rate: [\"(?i)rate\"]\n"
      "  unsafe_statistic: [\"(?i)^max$\"]\n"
      "totals: [\"(?i)^total$\"]\n"
      "identifier_values: {nhs_number: false, patterns: [\"^[A-Z][0-9]{5}$\"]}\n"
      "outcomes: {unsafe_statistic: review}\n";
  auto set = parse_policy_file("policy.yaml", bytes);
  if (!set.ok()) {
    CHECK(set.error().kind == ErrorKind::invalid_input);
    CHECK(set.error().message.rfind("policy.yaml:9:", 0) == 0);
    return;
  }
  REQUIRE_NOTHROW(json_text(policy_to_json(set->base->policy())));
  // And in a whole check's report.
  json report = check_csv("group,n\na,10\n", bytes);
  CHECK(report["policy"]["small_count"]["threshold"] == 9);
}

// fuzz_project and fuzz_policy: yaml-cpp 0.7 never consumes a `,` at the top level and parses an
// empty document at the same place forever (jbeder/yaml-cpp#1040); loading never returned.
TEST_CASE("fuzz: a project.yaml starting with a comma is an error, not a hang", "[fuzz]") {
  auto r = parse_project("project.yaml", ",rate: ;");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::invalid_input);
  CHECK(r.error().message.rfind("project.yaml:1:1: found ','", 0) == 0);
}

TEST_CASE("fuzz: a policy file starting with a comma is an error, not a hang", "[fuzz]") {
  auto r = parse_policy_file("policy.yaml", ",rounding: {base~: 10}\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::invalid_input);
  CHECK(r.error().message.rfind("policy.yaml:1:1: found ','", 0) == 0);
  // Later in the file too, after a complete first document.
  auto later = parse_policy_file("policy.yaml", "rounding: {base: 10}\n,\n");
  REQUIRE_FALSE(later.ok());
}
