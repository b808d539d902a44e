// The exact text of every rule's finding, as ninja's tests hold its exact error text: what a
// researcher or an output checker reads is the message, so a change to one must change this file.
// One table, kCases: for each rule of rules/rule_registry.cpp (and each outcome of a rule that has
// two), a small real workspace that triggers it, and the finding `outcheck check --json` reports
// for it (outcome, message, and row, column and value where the finding has them). The first case
// fails when a registered rule has no row here, so a new rule comes with its exact message.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checker/sha256.h"
#include "rules/rule_registry.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::put;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

namespace {

// One project for every case: a highly sensitive pattern inside a moderately sensitive one.
const char* const kProject =
    "version: '5'\n"
    "actions:\n"
    "  summarise:\n"
    "    run: python:v2 python analysis/summarise.py\n"
    "    outputs:\n"
    "      highly_sensitive:\n"
    "        raw: output/raw_*.csv\n"
    "      moderately_sensitive:\n"
    "        tables: output/*.csv\n"
    "        notes: output/*.txt\n";

// Passes every rule on its contents; its sha256 is kCleanSha.
const std::string kClean = "group,num\na,10\nb,15\n";
const std::string kCleanSha = "fcc4efdb64c6d2951008ba235581465636614c572f72c622f158d8ba0eb60813";
const std::string kEdited = "group,num\na,10\nb,20\n";
const std::string kEditedSha = "78b885b393b69bb9e7de7a63c06db184b5c892404df71ffc2fe1425113bceb2a";

// metadata/manifest.json as job-runner writes it, with one entry: `path` written by job
// kx3xlnn4wwkzbkas of action summarise with kClean's hash, `fields` replacing its defaults.
void write_manifest(const fs::path& root, const std::string& path, const json& fields = json::object()) {
  json e = {{"level", "moderately_sensitive"}, {"job_id", "kx3xlnn4wwkzbkas"}, {"job_request", "b3ksq2rw6kw6yg2c"},
            {"action", "summarise"}, {"user", "researcher"}, {"repo", "https://github.com/opensafely/example-study"},
            {"commit", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"}, {"size", kClean.size()},
            {"timestamp", 1709296496.0}, {"content_hash", outcheck::checker::sha256_hex(kClean)},
            {"excluded", false}, {"message", nullptr}, {"row_count", 2}, {"col_count", 2}};
  e.update(fields);
  put(root / "metadata/manifest.json",
      json{{"workspace", "example-workspace"}, {"repo", nullptr}, {"outputs", {{path, e}}}}.dump(2));
}

struct Case {
  const char* rule;
  const char* variant;  // what this input shows
  // Written under the workspace folder; a path starting "../" lands in the folder holding it.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> args;  // after `check --json`, run in the workspace; names one file
  const char* outcome;            // of the rule's first finding
  std::string message;            // exact; "{outer}" stands for the folder holding the workspace
  std::optional<int> row = std::nullopt;
  std::optional<std::string> column = std::nullopt;
  std::optional<std::string> value = std::nullopt;
  void (*setup)(const fs::path& root) = nullptr;  // links and manifests
};

const std::vector<Case> kCases = {
    // The gate: where a file is, how it is declared, what it links to.
    {.rule = "privacy_level", .variant = "declared highly_sensitive in project.yaml",
     .files = {{"output/raw_people.csv", kClean}}, .args = {"output/raw_people.csv"}, .outcome = "blocked",
     .message = "declared highly_sensitive by action summarise (output raw); only moderately_sensitive outputs may "
                "be released"},
    {.rule = "privacy_level", .variant = "written as highly_sensitive by its job (manifest)",
     .files = {{"output/counts.csv", kClean}}, .args = {"output/counts.csv"}, .outcome = "blocked",
     .message = "job kx3xlnn4wwkzbkas of action summarise wrote it as highly_sensitive (metadata/manifest.json); "
                "only moderately_sensitive outputs may be released",
     .setup = [](const fs::path& root) { write_manifest(root, "output/counts.csv", {{"level", "highly_sensitive"}}); }},
    {.rule = "undeclared", .variant = "a CSV at the root that no pattern names", .files = {{"stray.csv", kClean}},
     .args = {"stray.csv"}, .outcome = "blocked", .message = "matches no output pattern in project.yaml"},
    {.rule = "outside_workspace", .variant = "a path named outside the workspace", .files = {{"../x.csv", kClean}},
     .args = {"../x.csv"}, .outcome = "blocked", .message = "lies outside the workspace"},
    {.rule = "outside_workspace", .variant = "a symbolic link out of the workspace", .files = {{"../x.csv", kClean}},
     .args = {"output/link.csv"}, .outcome = "blocked",
     .message = "is a symbolic link to {outer}/x.csv, outside the workspace",
     .setup = [](const fs::path& root) { fs::create_symlink(root.parent_path() / "x.csv", root / "output/link.csv"); }},
    {.rule = "linked_to_protected", .variant = "a symbolic link to a highly sensitive file",
     .files = {{"output/raw_people.csv", kClean}}, .args = {"output/link.csv"}, .outcome = "blocked",
     .message = "is a symbolic link to output/raw_people.csv, which is declared highly_sensitive",
     .setup = [](const fs::path& root) { fs::create_symlink("raw_people.csv", root / "output/link.csv"); }},
    {.rule = "linked_to_protected", .variant = "a hard link whose other name lies outside (review)",
     .files = {{"../elsewhere.csv", kClean}}, .args = {"output/shared.csv"}, .outcome = "review",
     .message = "shares its data (a hard link) with 1 other name outside the workspace, which outcheck cannot judge: "
                "confirm none is a protected file, or release a copy instead of a link",
     .setup = [](const fs::path& root) {
       fs::create_hard_link(root.parent_path() / "elsewhere.csv", root / "output/shared.csv");
     }},
    {.rule = "special_file", .variant = "a dangling symbolic link", .files = {}, .args = {"output/dangling.csv"},
     .outcome = "blocked", .message = "is a symbolic link to nowhere.csv, which does not exist",
     .setup = [](const fs::path& root) {
       fs::create_directories(root / "output");
       fs::create_symlink("nowhere.csv", root / "output/dangling.csv");
     }},
    {.rule = "file_type", .variant = "a declared .txt under a policy releasing only .csv",
     .files = {{"output/notes.txt", "notes\n"},
               {"../csv_only.yaml", "extends: opensafely\nlimits: {release_types: [\".csv\"]}\n"}},
     .args = {"--policy", "../csv_only.yaml", "output/notes.txt"}, .outcome = "blocked",
     .message = "file type '.txt' may not be released"},
    {.rule = "file_size", .variant = "21 bytes over a limit of 20",
     .files = {{"output/counts.csv", kClean + "\n"},
               {"../tiny.yaml", "extends: opensafely\nlimits: {max_file_bytes: 20}\n"}},
     .args = {"--policy", "../tiny.yaml", "output/counts.csv"}, .outcome = "blocked",
     .message = "is 21 bytes, larger than the limit of 20 bytes"},
    {.rule = "csv_rows", .variant = "3 records over a limit of 2",
     .files = {{"output/counts.csv", "group,num\na,10\nb,15\nc,20\n"},
               {"../two_rows.yaml", "extends: opensafely\nlimits: {max_csv_rows: 2}\n"}},
     .args = {"--policy", "../two_rows.yaml", "output/counts.csv"}, .outcome = "fail",
     .message = "has 3 data rows, more than the 2 allowed"},
    {.rule = "malformed_csv", .variant = "one ragged record",
     .files = {{"output/ragged.csv", "group,num\na,10\nb,15,20\n"}}, .args = {"output/ragged.csv"},
     .outcome = "fail", .message = "has 3 fields but the header has 2 (line 3)", .row = 2},
    {.rule = "malformed_csv", .variant = "two malformed records",
     .files = {{"output/ragged.csv", "group,num\na,10\nb,15,20\nc\nd,10\n"}}, .args = {"output/ragged.csv"},
     .outcome = "fail", .message = "2 malformed records; the first: row 2 has 3 fields but the header has 2 (line 3)",
     .row = 2},
    {.rule = "delimiter", .variant = "a tab-separated .csv",
     .files = {{"output/tabs.csv", "group\tnum\na\t10\nb\t15\n"}}, .args = {"output/tabs.csv"}, .outcome = "review",
     .message = "separated by tabs, not commas: checked as such; confirm the file is what it claims to be"},
    {.rule = "needs_review", .variant = "a .txt file", .files = {{"output/notes.txt", "notes\n"}},
     .args = {"output/notes.txt"}, .outcome = "review",
     .message = "a .txt file cannot be checked automatically: a person must look at it"},

    // Provenance: job-runner's metadata/manifest.json.
    {.rule = "not_from_job", .variant = "the manifest has no entry for the file",
     .files = {{"output/stray.csv", kClean}}, .args = {"output/stray.csv"}, .outcome = "blocked",
     .message = "no job wrote it: metadata/manifest.json has no entry for this file",
     .setup = [](const fs::path& root) { write_manifest(root, "output/other.csv"); }},
    {.rule = "not_from_job", .variant = "no manifest under provenance: required",
     .files = {{"output/counts.csv", kClean}, {"../required.yaml", "extends: opensafely\nprovenance: required\n"}},
     .args = {"--policy", "../required.yaml", "output/counts.csv"}, .outcome = "blocked",
     .message = "no job wrote it that can be shown: the workspace has no metadata/manifest.json, and the policy "
                "requires one (provenance: required)"},
    {.rule = "changed_since_job", .variant = "edited after its job wrote it", .files = {{"output/counts.csv", kEdited}},
     .args = {"output/counts.csv"}, .outcome = "blocked",
     .message = "changed since job kx3xlnn4wwkzbkas wrote it: its sha256 is " + kEditedSha +
                ", metadata/manifest.json records " + kCleanSha,
     .setup = [](const fs::path& root) { write_manifest(root, "output/counts.csv"); }},
    {.rule = "excluded_by_job", .variant = "excluded: true, with job-runner's message",
     .files = {{"output/counts.csv", kClean}}, .args = {"output/counts.csv"}, .outcome = "blocked",
     .message = "job kx3xlnn4wwkzbkas of action summarise excluded it from release: \"File has patient_id column\"",
     .setup = [](const fs::path& root) {
       write_manifest(root, "output/counts.csv", {{"excluded", true}, {"message", "File has patient_id column"}});
     }},
    {.rule = "out_of_date", .variant = "out_of_date_action", .files = {{"output/counts.csv", kClean}},
     .args = {"output/counts.csv"}, .outcome = "review",
     .message = "its action removed_action is no longer in project.yaml (out_of_date_action): it may be stale",
     .setup = [](const fs::path& root) {
       write_manifest(root, "output/counts.csv",
                      {{"action", "removed_action"}, {"out_of_date_action", true}, {"out_of_date_output", false}});
     }},
    {.rule = "out_of_date", .variant = "out_of_date_output", .files = {{"output/counts.csv", kClean}},
     .args = {"output/counts.csv"}, .outcome = "review",
     .message = "action summarise no longer writes this file (out_of_date_output): it is left from an earlier run",
     .setup = [](const fs::path& root) {
       write_manifest(root, "output/counts.csv", {{"out_of_date_action", false}, {"out_of_date_output", true}});
     }},

    // A CSV's headers and cells.
    {.rule = "patient_id", .variant = "a patient_id header",
     .files = {{"output/t.csv", "group,patient_id\na,10\nb,15\n"}}, .args = {"output/t.csv"}, .outcome = "blocked",
     .message = "column \"patient_id\" identifies patients: patient-level data may never leave",
     .column = "patient_id"},
    {.rule = "identifier_value", .variant = "a column of NHS numbers (blocked)",
     .files = {{"output/t.csv", "group,ref\na,9434765919\nb,4010232137\nc,9434765900\n"}}, .args = {"output/t.csv"},
     .outcome = "blocked",
     .message = "column \"ref\" holds identifiers of people (3 of 3 values look like NHS numbers or policy identifier "
                "patterns)",
     .column = "ref"},
    {.rule = "identifier_value", .variant = "one NHS number among text (fail)",
     .files = {{"output/t.csv", "group,note\na,hello\nb,943 476 5919\nc,world\nd,foo\n"}}, .args = {"output/t.csv"},
     .outcome = "fail",
     .message = "looks like a person's identifier (an NHS number, its check digit valid): remove it", .row = 2,
     .column = "note", .value = "943 476 5919"},
    {.rule = "identifier_value", .variant = "a value matching a policy's identifier pattern (fail)",
     .files = {{"output/t.csv", "group,note\na,hello\nb,MRN-004411\nc,world\nd,foo\n"},
               {"../mrn.yaml", "extends: opensafely\nidentifier_values: {patterns: [\"^MRN-[0-9]{6}$\"]}\n"}},
     .args = {"--policy", "../mrn.yaml", "output/t.csv"}, .outcome = "fail",
     .message = "looks like a person's identifier (it matches the policy's identifier pattern \"^MRN-[0-9]{6}$\"): "
                "remove it",
     .row = 2, .column = "note", .value = "MRN-004411"},
    {.rule = "organisation_identifier", .variant = "LSOA codes (fail under opensafely)",
     .files = {{"output/t.csv", "area,num\nE01000001,10\nE01000002,15\n"}}, .args = {"output/t.csv"}, .outcome = "fail",
     .message = "column \"area\" holds 2 real organisation codes (LSOA codes (E01), first E01000001): OpenSAFELY's "
                "permitted study results policy forbids them; aggregate to region or remove them",
     .column = "area", .value = "E01000001"},
    {.rule = "organisation_identifier", .variant = "ODS practice codes in a practice column",
     .files = {{"output/t.csv", "practice,num\nA81001,10\nA81002,15\n"}}, .args = {"output/t.csv"}, .outcome = "fail",
     .message = "column \"practice\" holds 2 real organisation codes (ODS practice codes, first A81001): OpenSAFELY's "
                "permitted study results policy forbids them; aggregate to region or remove them",
     .column = "practice", .value = "A81001"},
    {.rule = "organisation_identifier", .variant = "LSOA codes (review under sdc-handbook)",
     .files = {{"output/t.csv", "area,num\nE01000001,10\nE01000002,15\n"}},
     .args = {"--policy", "sdc-handbook", "output/t.csv"}, .outcome = "review",
     .message = "column \"area\" holds 2 real organisation codes (LSOA codes (E01), first E01000001): confirm they "
                "may be released, or aggregate to region or remove them",
     .column = "area", .value = "E01000001"},
    {.rule = "organisation_identifier", .variant = "a table keyed by pseudonymous practice ids (review)",
     .files = {{"output/t.csv", "practice,num\n1,10\n2,15\n3,20\n"}}, .args = {"output/t.csv"}, .outcome = "review",
     .message = "practice-level output: confirm the ids cannot be linked (a row per practice under column "
                "\"practice\")",
     .column = "practice"},
    {.rule = "small_count", .variant = "a count of 3 under opensafely",
     .files = {{"output/t.csv", "group,num\na,3\nb,20\n"}}, .args = {"output/t.csv"}, .outcome = "fail",
     .message = "count 3 is 7 or fewer: redact it", .row = 1, .column = "num", .value = "3"},
    {.rule = "unrounded", .variant = "a count of 11 under opensafely",
     .files = {{"output/t.csv", "group,num\na,11\nb,20\n"}}, .args = {"output/t.csv"}, .outcome = "fail",
     .message = "count 11 is not a multiple of 5: round it (to 10)", .row = 1, .column = "num", .value = "11"},
    {.rule = "secondary_disclosure", .variant = "a redacted cell its total gives back",
     .files = {{"output/t.csv", "category,count\na,40\nb,[REDACTED]\nc,25\ntotal,80\n"}}, .args = {"output/t.csv"},
     .outcome = "fail",
     .message = "its column's total in the total row (row 4, \"total\"), less the column's published cells, gives "
                "this redacted cell back as 15: suppress a complementary cell too (outcheck redact does)",
     .row = 2, .column = "count", .value = "[REDACTED]"},
    {.rule = "secondary_disclosure", .variant = "a redacted cell its row's total gives back",
     .files = {{"output/t.csv", "group,a,b,total\nx,40,[REDACTED],60\ny,30,25,55\n"}}, .args = {"output/t.csv"},
     .outcome = "fail",
     .message = "its row's total in column \"total\", less the row's published cells, gives this redacted cell back "
                "as 20: suppress a complementary cell too (outcheck redact does)",
     .row = 1, .column = "b", .value = "[REDACTED]"},
    {.rule = "secondary_disclosure", .variant = "redacted cells the row and column totals give back together",
     .files = {{"output/t.csv", "group,a,b,total\nx,[REDACTED],[REDACTED],50\ny,[REDACTED],30,60\ntotal,70,40,110\n"}},
     .args = {"output/t.csv"}, .outcome = "fail",
     .message = "the totals in column \"total\" and in the total row (row 3, \"total\"), less the published cells, give "
                "this redacted cell back as 40: suppress a complementary cell too (outcheck redact does)",
     .row = 1, .column = "a", .value = "[REDACTED]"},
    {.rule = "derived_from_small_count", .variant = "a rate proved from a small count and its person-time",
     .files = {{"output/t.csv",
                "arm,pfizer_pyears,pfizer_n,pfizer_rate,az_pyears,az_n,az_rate\n"
                "a,17486.88295687885,39895,2.2814243177463353,4910.1492128679,6,0.0012219587918582918\n"}},
     .args = {"output/t.csv"}, .outcome = "fail",
     .message = "is computed from the small count 6 in column \"az_n\" (0.0012219587918582918 = az_n 6 / az_pyears "
                "4910.1492128679): redact it too",
     .row = 1, .column = "az_rate", .value = "0.0012219587918582918"},
    {.rule = "derived_from_small_count", .variant = "a coarse rate beside a small count, not proved",
     .files = {{"output/t.csv", "group,num,list_size,value\na,3,1000,2.5\nb,40,1000,40.0\n"}}, .args = {"output/t.csv"},
     .outcome = "fail", .message = "may be computed from the small count 3 in column \"num\" of its row: redact it too", .row = 1,
     .column = "value", .value = "2.5"},
    {.rule = "derived_from_unrounded", .variant = "a rate computed before its counts were rounded",
     .files = {{"output/t.csv",
                "practice,num,list_size,value\n1,330,11265,29.2\n2,125,4050,30.93\n3,410,9875,41.52\n"
                "4,95,3010,31.56\n5,220,7005,31.41\n"}},
     .args = {"output/t.csv"}, .outcome = "fail",
     .message = "value 29.2 was computed from unrounded counts: compute it from the rounded ones (29.29 = 1000 x "
                "\"num\" 330 / \"list_size\" 11265)",
     .row = 1, .column = "value", .value = "29.2"},
    {.rule = "unsafe_statistic", .variant = "a max column (fail under opensafely)",
     .files = {{"output/t.csv", "group,max\na,3\nb,40\n"}}, .args = {"output/t.csv"}, .outcome = "fail",
     .message = "column \"max\" holds minima, maxima or ranges, which describe single people", .column = "max"},
    {.rule = "unsafe_statistic", .variant = "a max column (review under sdc-handbook)",
     .files = {{"output/t.csv", "group,max\na,3\nb,40\n"}}, .args = {"--policy", "sdc-handbook", "output/t.csv"},
     .outcome = "review", .message = "column \"max\" holds minima, maxima or ranges, which describe single people",
     .column = "max"},
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// Builds the case's workspace (in outer/ws), runs `check --json` there and returns the report.
json run_case(const Case& c, const TempDir& outer) {
  const fs::path root = outer.path() / "ws";
  put(root / "project.yaml", kProject);
  fs::create_directories(root / "output");
  for (const auto& [path, bytes] : c.files) put(root / path, bytes);
  if (c.setup) c.setup(root);
  std::vector<std::string> args = {"check", "--json"};
  args.insert(args.end(), c.args.begin(), c.args.end());
  auto run = run_outcheck(args, root);
  INFO("exit " << run.exit_code << ", stderr: " << run.err);
  REQUIRE_FALSE(run.out.empty());
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("rule messages: every registered rule has an exact-message case", "[cli][rule_messages]") {
  std::set<std::string> covered;
  for (const Case& c : kCases) {
    INFO(c.rule << " (" << c.variant << ")");
    CHECK(outcheck::rules::find_rule(c.rule) != nullptr);  // no typo, no rule unknown to the registry
    covered.insert(c.rule);
  }
  for (const auto& rule : outcheck::rules::rule_registry()) {
    INFO("rule " << rule.id << " has no case in tests/cli/test_rule_messages.cpp");
    REQUIRE(covered.count(rule.id) == 1);
  }
}

TEST_CASE("rule messages: each rule's finding has exactly its message", "[cli][rule_messages]") {
  for (const Case& c : kCases) {
    INFO(c.rule << " (" << c.variant << ")");
    TempDir outer;
    const json report = run_case(c, outer);
    INFO("files of the report:\n" << report["files"].dump(2));
    REQUIRE(report["files"].size() == 1);
    const json* found = nullptr;
    for (const auto& f : report["files"][0]["findings"]) {
      if (f["rule"] == c.rule) {
        found = &f;
        break;
      }
    }
    CHECK(found != nullptr);
    if (!found) continue;
    const json& f = *found;
    CHECK(f["outcome"] == c.outcome);
    CHECK(f["message"].get<std::string>() == replace_all(c.message, "{outer}", outer.path().string()));
    CHECK(f.contains("row") == c.row.has_value());
    if (c.row && f.contains("row")) CHECK(f["row"] == *c.row);
    CHECK(f.contains("column") == c.column.has_value());
    if (c.column && f.contains("column")) CHECK(f["column"] == *c.column);
    CHECK(f.contains("value") == c.value.has_value());
    if (c.value && f.contains("value")) CHECK(f["value"] == *c.value);
  }
}
