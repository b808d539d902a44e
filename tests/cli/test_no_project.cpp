// `outcheck check --no-project PATH...` (interface.md "Without a project"), through the real binary:
// no project.yaml is read or looked for, every named file is an unclassified output judged as a
// moderately sensitive one, and every type, size and content rule applies.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::contains;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

namespace {

json report_of(const RunResult& r) {
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.out.empty());
  return json::parse(r.out);
}

const json& file_entry(const json& report, const std::string& path) {
  for (const auto& f : report["files"]) {
    if (f["path"] == path) return f;
  }
  FAIL("no entry for " << path);
  static json none;
  return none;
}

}  // namespace

TEST_CASE("check --no-project: files in a folder without project.yaml get every rule", "[cli][no_project]") {
  TempDir dir;  // no project.yaml
  dir.write("results/counts.csv", "group,num\na,3\nb,15\n");
  dir.write("results/clean.csv", "group,num\na,10\nb,15\n");
  dir.write("results/notes.txt", "a note\n");
  dir.write("results/model.rds", "binary");
  dir.write("results/.hidden.csv", "group,num\na,1\n");

  RunResult r = run_outcheck({"check", "--no-project", "--format", "json", "results"}, dir.path());
  CHECK(r.exit_code == 1);
  json report = report_of(r);
  CHECK(report["files"].size() == 4);  // dot-files are never scanned in a folder
  CHECK(report["workspace"] == fs::canonical(dir.path()).string());
  for (const auto& f : report["files"]) {
    CHECK(f["privacy"] == "unclassified");
    CHECK(f["action"].is_null());
    CHECK(f["job"].is_null());
    CHECK(f["finding_counts"].count("undeclared") == 0);
    CHECK(f["finding_counts"].count("not_from_job") == 0);
  }
  CHECK(file_entry(report, "results/clean.csv")["outcome"] == "pass");
  CHECK(file_entry(report, "results/counts.csv")["outcome"] == "fail");
  CHECK(file_entry(report, "results/counts.csv")["finding_counts"]["small_count"] == 1);
  CHECK(file_entry(report, "results/notes.txt")["outcome"] == "review");
  CHECK(file_entry(report, "results/model.rds")["findings"][0]["rule"] == "file_type");

  // The text report says no project was used.
  RunResult text = run_outcheck({"check", "--no-project", "results/clean.csv"}, dir.path());
  CHECK(text.exit_code == 0);
  CHECK(contains(text.out, "project: none (--no-project: no project.yaml was used"));
  CHECK(contains(text.out, "unclassified"));
}

TEST_CASE("check --no-project: a project.yaml or manifest present is not read", "[cli][no_project]") {
  TempDir dir;
  dir.write("project.yaml", "version: '5'\nactions: [this is not a project\n");
  dir.write("metadata/manifest.json", "{not json");
  dir.write("output/a.csv", "group,num\na,10\nb,15\n");
  RunResult with_project = run_outcheck({"check", "output/a.csv"}, dir.path());
  CHECK(with_project.exit_code == 2);  // without the flag the broken project.yaml is an error
  RunResult r = run_outcheck({"check", "--no-project", "--json", "output/a.csv"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(file_entry(report_of(r), "output/a.csv")["privacy"] == "unclassified");
}

TEST_CASE("check --no-project: without a path, or with --workspace, is a usage error", "[cli][no_project]") {
  TempDir dir;
  RunResult r = run_outcheck({"check", "--no-project"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "outcheck: check --no-project needs the files or folders to check: outcheck check --no-project PATH..."));

  r = run_outcheck({"check", "--no-project", "--workspace", ".", "a.csv"}, dir.path());
  CHECK(r.exit_code == 2);

  r = run_outcheck({"check", "--no-project", "missing.csv"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "missing.csv: no such file or folder"));
}

TEST_CASE("check --no-project: what lies or leads outside the current folder is blocked", "[cli][no_project]") {
  TempDir dir, elsewhere;
  fs::path secret = elsewhere.write("secret.csv", "group,num\na,10\nb,15\n");
  dir.write("results/a.csv", "group,num\na,10\nb,15\n");
  fs::create_symlink(secret, dir.path() / "results/link.csv");
  RunResult r = run_outcheck({"check", "--no-project", "--json", "results", secret.string()}, dir.path());
  CHECK(r.exit_code == 1);
  json report = report_of(r);
  CHECK(file_entry(report, "results/a.csv")["outcome"] == "pass");
  const json& link = file_entry(report, "results/link.csv");
  CHECK(link["outcome"] == "blocked");
  CHECK(link["findings"][0]["rule"] == "outside_workspace");
  CHECK(link["findings"][0]["message"] ==
        "is a symbolic link to " + fs::canonical(secret).string() + ", outside the folder checked");
  const json& named = file_entry(report, fs::canonical(secret).string());
  CHECK(named["outcome"] == "blocked");
  CHECK(named["privacy"] == "unclassified");
  CHECK(named["findings"][0]["message"] == "lies outside the folder checked");
  CHECK(named["sha256"].is_null());  // never read
}
