// `outcheck check` end to end: the privacy gate (where a file lives, how it is declared, links),
// the file-level rules, the JSON report's shape, and the exit codes, all through the real binary.
// Expected values come from interface.md and policy.md.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;
using outcheck::test::Workspace;

namespace {

// Highly, moderately and minimally sensitive outputs; a root-level pattern; a highly sensitive
// pattern that overlaps a moderately sensitive one (the most protective must win).
const char* const kProject =
    "version: '5'\n"
    "actions:\n"
    "  generate_dataset:\n"
    "    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.arrow\n"
    "    outputs:\n"
    "      highly_sensitive:\n"
    "        dataset: output/dataset.arrow\n"
    "  summarise:\n"
    "    run: python:v2 python analysis/summarise.py\n"
    "    needs: [generate_dataset]\n"
    "    outputs:\n"
    "      highly_sensitive:\n"
    "        raw: output/tables/raw_*.csv\n"
    "      moderately_sensitive:\n"
    "        table: output/tables/*.csv\n"
    "        chart: output/charts/*.png\n"
    "        notes: output/notes/*.txt\n"
    "        summary: summary.csv\n"
    "      minimally_sensitive:\n"
    "        log: output/logs/*.log\n";

// A version-3 project whose moderately sensitive pattern has no fixed type (a warning, not an
// error), so files of any type are declared and only `file_type` can stop them.
const char* const kAnyTypeProject =
    "version: '3'\n"
    "expectations:\n"
    "  population_size: 1000\n"
    "actions:\n"
    "  summarise:\n"
    "    run: python:v2 python analysis/summarise.py\n"
    "    outputs:\n"
    "      moderately_sensitive:\n"
    "        mixed: output/mixed/*.*\n";

// Passes every rule: a category column and a count column of rounded counts above 7.
const std::string kClean = "group,num\na,10\nb,15\n";
const std::string kCleanSha = "fcc4efdb64c6d2951008ba235581465636614c572f72c622f158d8ba0eb60813";

struct Checked {
  RunResult run;
  json report;
};

// Runs `outcheck check --format json ARGS` in `cwd` and parses stdout (when there is any).
Checked check_json(const fs::path& cwd, std::vector<std::string> args = {}, const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), {"check", "--format", "json"});
  Checked c;
  c.run = run_outcheck(args, cwd, env);
  INFO("stderr: " << c.run.err);
  if (!c.run.out.empty()) {
    try {
      c.report = json::parse(c.run.out);
    } catch (const std::exception& e) {
      FAIL("stdout is not JSON: " << e.what() << "\n" << c.run.out);
    }
  }
  return c;
}

const json& entry(const json& report, const std::string& path) {
  for (const auto& f : report.at("files")) {
    if (f.at("path") == path) return f;
  }
  FAIL("no entry for " << path << " in\n" << report.dump(2));
  static const json none;
  return none;
}

bool listed(const json& report, const std::string& path) {
  for (const auto& f : report.at("files")) {
    if (f.at("path") == path) return true;
  }
  return false;
}

std::set<std::string> paths_of(const json& report) {
  std::set<std::string> out;
  for (const auto& f : report.at("files")) out.insert(f.at("path").get<std::string>());
  return out;
}

std::set<std::string> rules_of(const json& file) {
  std::set<std::string> out;
  for (const auto& [rule, n] : file.at("finding_counts").items()) out.insert(rule);
  return out;
}

bool fired(const json& file, const std::string& rule) { return file.at("finding_counts").contains(rule); }

// The first kept finding of `rule`.
const json& finding(const json& file, const std::string& rule) {
  for (const auto& f : file.at("findings")) {
    if (f.at("rule") == rule) return f;
  }
  FAIL("no " << rule << " finding in\n" << file.dump(2));
  static const json none;
  return none;
}

std::string message(const json& file, const std::string& rule) {
  return finding(file, rule).at("message").get<std::string>();
}

std::size_t kept(const json& file, const std::string& rule) {
  const auto& all = file.at("findings");
  return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const json& f) { return f.at("rule") == rule; }));
}

// A gate-blocked file is never read.
void require_unread(const json& file) {
  CHECK(file.at("sha256").is_null());
  CHECK(file.at("rows").is_null());
  CHECK(file.at("columns").is_null());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Declared privacy

TEST_CASE("check: highly and minimally sensitive files are blocked by privacy_level", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/raw_people.csv", kClean);  // matches raw_*.csv (highly) and *.csv (moderately)
  ws.write("output/logs/run.log", "done\n");

  SECTION("highly_sensitive: the most protective pattern decides") {
    auto c = check_json(ws.path(), {"output/tables/raw_people.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/raw_people.csv");
    CHECK(f["privacy"] == "highly_sensitive");
    CHECK(f["action"] == "summarise");
    CHECK(f["output_name"] == "raw");
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"privacy_level"});
    CHECK(finding(f, "privacy_level")["outcome"] == "blocked");
    CHECK(f["finding_counts"]["privacy_level"] == 1);
    require_unread(f);
  }
  SECTION("minimally_sensitive") {
    auto c = check_json(ws.path(), {"output/logs/run.log"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/logs/run.log");
    CHECK(f["privacy"] == "minimally_sensitive");
    CHECK(f["action"] == "summarise");
    CHECK(f["output_name"] == "log");
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"privacy_level"});
    require_unread(f);
  }
  SECTION("moderately_sensitive passes and is read") {
    ws.write("output/tables/counts.csv", kClean);
    auto c = check_json(ws.path(), {"output/tables/counts.csv"});
    REQUIRE(c.run.exit_code == 0);
    const json& f = entry(c.report, "output/tables/counts.csv");
    CHECK(f["privacy"] == "moderately_sensitive");
    CHECK(f["action"] == "summarise");
    CHECK(f["output_name"] == "table");
    CHECK(f["outcome"] == "pass");
    CHECK(f["findings"] == json::array());
    CHECK(f["finding_counts"] == json::object());
    CHECK(f["sha256"] == kCleanSha);
    CHECK(f["size"] == 20);
    CHECK(f["rows"] == 2);
    CHECK(f["columns"] == 2);
  }
}

TEST_CASE("check: a file in an output folder that matches no pattern is undeclared", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/counts.csv", kClean);
  ws.write("output/tables/deeper/counts.csv", kClean);  // `*` never crosses `/`
  ws.write("output/stray.csv", kClean);

  auto c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 1);
  for (const char* p : {"output/tables/deeper/counts.csv", "output/stray.csv"}) {
    INFO(p);
    const json& f = entry(c.report, p);
    CHECK(f["privacy"] == "undeclared");
    CHECK(f["action"].is_null());
    CHECK(f["output_name"].is_null());
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"undeclared"});
    CHECK(finding(f, "undeclared")["outcome"] == "blocked");
    require_unread(f);
  }
  const json& ok = entry(c.report, "output/tables/counts.csv");
  CHECK(ok["outcome"] == "pass");
  CHECK_FALSE(fired(ok, "undeclared"));
}

TEST_CASE("check: a pattern at the workspace root makes only its own matches reportable", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("summary.csv", kClean);
  ws.write("other.csv", kClean);
  ws.write("README.md", "# readme\n");
  ws.write("analysis/summarise.py", "print(1)\n");
  ws.write("analysis/scratch.csv", kClean);
  ws.write("output/tables/counts.csv", kClean);

  auto c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 0);
  CHECK(paths_of(c.report) == std::set<std::string>{"output/tables/counts.csv", "summary.csv"});
  const json& f = entry(c.report, "summary.csv");
  CHECK(f["privacy"] == "moderately_sensitive");
  CHECK(f["action"] == "summarise");
  CHECK(f["output_name"] == "summary");
  CHECK(f["outcome"] == "pass");
}

TEST_CASE("check: .git, metadata, dot-files, dot-folders and OUTCHECK_HOME are never scanned", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write(".git/config", "[core]\n");
  ws.write(".git/leak.csv", kClean);
  ws.write("metadata/manifest.json", "{}\n");
  ws.write("metadata/summarise.log", "log\n");
  ws.write(".hidden.csv", kClean);
  ws.write(".dotdir/x.csv", kClean);
  ws.write("output/.hidden.csv", kClean);
  ws.write("output/tables/.secret.csv", kClean);
  ws.write("output/.cache/x.csv", kClean);
  ws.write("output/home/outcheck.db", "db");
  ws.write("output/home/store/x.csv", kClean);
  ws.write("output/metadata/x.csv", kClean);  // only metadata/ at the root is skipped
  ws.write("output/tables/counts.csv", kClean);
  const std::string home = "OUTCHECK_HOME=" + (ws.path() / "output/home").string();

  SECTION("a scan") {
    auto c = check_json(ws.path(), {}, {home});
    CHECK(c.run.exit_code == 1);  // output/metadata/x.csv is undeclared
    CHECK(paths_of(c.report) == std::set<std::string>{"output/metadata/x.csv", "output/tables/counts.csv"});
  }
  SECTION("a scan without OUTCHECK_HOME enters output/home") {
    auto c = check_json(ws.path(), {}, {"OUTCHECK_HOME="});
    CHECK(paths_of(c.report) == std::set<std::string>{"output/home/outcheck.db", "output/home/store/x.csv",
                                                      "output/metadata/x.csv", "output/tables/counts.csv"});
  }
  SECTION("a folder named on the command line gets the same exclusions") {
    auto c = check_json(ws.path(), {"."}, {home});
    CHECK(c.run.exit_code == 1);
    CHECK(paths_of(c.report) ==
          std::set<std::string>{"output/metadata/x.csv", "output/tables/counts.csv", "project.yaml"});
    auto o = check_json(ws.path() / "output", {"."}, {home});
    CHECK(paths_of(o.report) == std::set<std::string>{"output/metadata/x.csv", "output/tables/counts.csv"});
  }
  SECTION("a dot-file named explicitly is reported") {
    auto c = check_json(ws.path(), {"output/tables/.secret.csv"}, {home});
    CHECK(paths_of(c.report) == std::set<std::string>{"output/tables/.secret.csv"});
  }
}

// ---------------------------------------------------------------------------------------------
// Outside the workspace

TEST_CASE("check: files outside the workspace are blocked by outside_workspace", "[cli][gate]") {
  TempDir outer;
  outer.write("ws/project.yaml", kProject);
  const fs::path root = outer.path() / "ws";
  const fs::path outside_file = outer.write("x.csv", kClean);
  outer.write("ws/output/tables/counts.csv", kClean);
  TempDir elsewhere;
  const fs::path far_file = elsewhere.write("far.csv", kClean);

  auto require_outside = [](const json& f) {
    CHECK(f["outcome"] == "blocked");
    CHECK(finding(f, "outside_workspace")["outcome"] == "blocked");
    require_unread(f);
  };

  SECTION("an absolute path outside") {
    auto c = check_json(root, {far_file.string()});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, far_file.string());  // keeps its absolute path
    require_outside(f);
    CHECK(f["privacy"] == "undeclared");
    CHECK(f["action"].is_null());
    CHECK(f["output_name"].is_null());
    CHECK(rules_of(f) == std::set<std::string>{"outside_workspace"});
  }
  SECTION("../x.csv") {
    auto c = check_json(root, {"../x.csv"});
    REQUIRE(c.run.exit_code == 1);
    REQUIRE(c.report["files"].size() == 1);
    const json& f = entry(c.report, outside_file.string());  // absolute and normalised
    require_outside(f);
    CHECK(rules_of(f) == std::set<std::string>{"outside_workspace"});
  }
  SECTION("a .. path that comes back inside is inside") {
    auto c = check_json(root / "output", {"../../ws/output/tables/counts.csv"});
    REQUIRE(c.run.exit_code == 0);
    const json& f = entry(c.report, "output/tables/counts.csv");
    CHECK_FALSE(fired(f, "outside_workspace"));
    CHECK(f["outcome"] == "pass");
  }
  SECTION("a symbolic link pointing outside") {
    fs::create_symlink(outside_file, root / "output/tables/link.csv");
    for (auto args : {std::vector<std::string>{"output/tables/link.csv"}, std::vector<std::string>{}}) {
      auto c = check_json(root, args);
      REQUIRE(c.run.exit_code == 1);
      const json& f = entry(c.report, "output/tables/link.csv");  // reported under its own path
      require_outside(f);
      CHECK(f["privacy"] == "moderately_sensitive");
      CHECK(rules_of(f) == std::set<std::string>{"outside_workspace"});
      CHECK_THAT(message(f, "outside_workspace"), Catch::Contains(outside_file.string()));
    }
  }
  SECTION("a file reached through a symlinked folder that points outside") {
    fs::create_symlink(elsewhere.path(), root / "output/tables/ext");
    auto c = check_json(root, {"output/tables/ext/far.csv"});
    REQUIRE(c.run.exit_code == 1);
    REQUIRE(c.report["files"].size() == 1);
    const json& f = c.report["files"][0];
    require_outside(f);
    CHECK_THAT(message(f, "outside_workspace"), Catch::Contains(far_file.string()));

    // A scan lists the link to the folder itself and never follows it.
    auto s = check_json(root);
    CHECK(paths_of(s.report) == std::set<std::string>{"output/tables/counts.csv", "output/tables/ext"});
    const json& link = entry(s.report, "output/tables/ext");
    CHECK(link["outcome"] == "blocked");
    CHECK(fired(link, "outside_workspace"));
  }
}

TEST_CASE("check: a workspace file named through another path to the workspace is judged as itself",
          "[cli][gate]") {
  // /tmp and /private/tmp on macOS; a symlinked home folder: an absolute path through a symlinked
  // folder above the workspace names a workspace file, not a file outside it.
  TempDir outer;
  outer.write("real/ws/project.yaml", kProject);
  outer.write("real/ws/output/tables/raw_people.csv", kClean);
  outer.write("real/ws/output/tables/counts.csv", kClean);
  outer.write("real/ws/metadata/log.csv", kClean);
  fs::create_symlink("real", outer.path() / "alias");
  const fs::path root = outer.path() / "real/ws";
  const fs::path alias = outer.path() / "alias/ws";

  auto scan = check_json(root);
  REQUIRE(scan.run.exit_code == 1);

  auto c = check_json(root, {(alias / "output/tables/raw_people.csv").string(),
                             (alias / "output/tables/counts.csv").string()});
  REQUIRE(c.run.exit_code == 1);
  CHECK(c.report["files"] == scan.report["files"]);
  const json& raw = entry(c.report, "output/tables/raw_people.csv");
  CHECK(raw["outcome"] == "blocked");
  CHECK(fired(raw, "privacy_level"));

  // A folder named that way: the same files, with the same exclusions.
  auto folder = check_json(root, {alias.string()});
  CHECK(paths_of(folder.report) ==
        std::set<std::string>{"output/tables/counts.csv", "output/tables/raw_people.csv", "project.yaml"});
}

TEST_CASE("check: a link outside the workspace to a protected workspace file is blocked", "[cli][gate]") {
  TempDir outer;
  outer.write("ws/project.yaml", kProject);
  outer.write("ws/output/tables/raw_people.csv", kClean);
  const fs::path root = outer.path() / "ws";
  const fs::path link = outer.path() / "link.csv";
  fs::create_symlink(root / "output/tables/raw_people.csv", link);

  auto c = check_json(root, {link.string()});
  REQUIRE(c.report["files"].size() == 1);
  const json& f = c.report["files"][0];
  CHECK(f["path"] == link.string());
  CHECK(c.run.exit_code == 1);
  CHECK(f["outcome"] == "blocked");
  CHECK(fired(f, "linked_to_protected"));
  require_unread(f);
}

// ---------------------------------------------------------------------------------------------
// Symbolic links

TEST_CASE("check: symbolic links are judged by what they point to", "[cli][gate]") {
  Workspace ws(kProject);
  const fs::path t = ws.path() / "output/tables";
  ws.write("output/tables/raw_people.csv", kClean);
  ws.write("output/tables/counts.csv", kClean);
  ws.write("analysis/private.csv", kClean);

  SECTION("to a highly_sensitive file: linked_to_protected, naming the target") {
    fs::create_symlink("raw_people.csv", t / "link.csv");
    auto c = check_json(ws.path(), {"output/tables/link.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/link.csv");
    CHECK(f["privacy"] == "moderately_sensitive");  // its own declaration
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"linked_to_protected"});
    CHECK(finding(f, "linked_to_protected")["outcome"] == "blocked");
    CHECK_THAT(message(f, "linked_to_protected"), Catch::Contains("output/tables/raw_people.csv"));
    require_unread(f);
  }
  SECTION("chained links to a highly_sensitive file") {
    fs::create_symlink("raw_people.csv", t / "link1.csv");
    fs::create_symlink("link1.csv", t / "link2.csv");
    auto c = check_json(ws.path(), {"output/tables/link2.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/link2.csv");
    CHECK(f["outcome"] == "blocked");
    CHECK(finding(f, "linked_to_protected")["outcome"] == "blocked");
    CHECK_THAT(message(f, "linked_to_protected"), Catch::Contains("raw_people.csv"));
    require_unread(f);
  }
  SECTION("to an undeclared file inside the workspace") {
    fs::create_symlink("../../analysis/private.csv", t / "link.csv");
    auto c = check_json(ws.path(), {"output/tables/link.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/link.csv");
    CHECK(rules_of(f) == std::set<std::string>{"linked_to_protected"});
    CHECK_THAT(message(f, "linked_to_protected"), Catch::Contains("analysis/private.csv"));
  }
  SECTION("to an allowed moderately_sensitive file (also chained): passes and is read") {
    fs::create_symlink("counts.csv", t / "alias.csv");
    fs::create_symlink("alias.csv", t / "alias2.csv");
    auto c = check_json(ws.path());
    REQUIRE(c.run.exit_code == 1);  // raw_people.csv is blocked; the links are not
    const json& target = entry(c.report, "output/tables/counts.csv");
    for (const char* p : {"output/tables/alias.csv", "output/tables/alias2.csv"}) {
      INFO(p);
      const json& f = entry(c.report, p);
      CHECK(f["outcome"] == "pass");
      CHECK(f["findings"] == json::array());
      CHECK(f["sha256"] == kCleanSha);
      CHECK(f["sha256"] == target["sha256"]);
      CHECK(f["rows"] == 2);
      CHECK(f["size"] == 20);
    }
    auto only = check_json(ws.path(), {"output/tables/alias2.csv"});
    CHECK(only.run.exit_code == 0);
  }
  SECTION("dangling: special_file") {
    fs::create_symlink("gone.csv", t / "dangling.csv");
    for (auto args : {std::vector<std::string>{"output/tables/dangling.csv"}, std::vector<std::string>{}}) {
      auto c = check_json(ws.path(), args);
      REQUIRE(c.run.exit_code == 1);
      const json& f = entry(c.report, "output/tables/dangling.csv");
      CHECK(f["outcome"] == "blocked");
      CHECK(rules_of(f) == std::set<std::string>{"special_file"});
      CHECK(finding(f, "special_file")["outcome"] == "blocked");
      CHECK_THAT(message(f, "special_file"), Catch::Contains("gone.csv"));
      require_unread(f);
    }
  }
  SECTION("to a folder: special_file") {
    ws.write("output/charts/a.png", "png");
    fs::create_symlink("../charts", t / "folder.csv");
    for (auto args : {std::vector<std::string>{"output/tables/folder.csv"}, std::vector<std::string>{}}) {
      auto c = check_json(ws.path(), args);
      REQUIRE(c.run.exit_code == 1);
      const json& f = entry(c.report, "output/tables/folder.csv");
      CHECK(f["outcome"] == "blocked");
      CHECK(rules_of(f) == std::set<std::string>{"special_file"});
      require_unread(f);
      CHECK_FALSE(listed(c.report, "output/tables/folder.csv/a.png"));
    }
  }
  SECTION("a FIFO: special_file, never opened") {
    REQUIRE(::mkfifo((t / "pipe.csv").c_str(), 0600) == 0);
    auto c = check_json(ws.path(), {"output/tables/pipe.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/pipe.csv");
    CHECK(rules_of(f) == std::set<std::string>{"special_file"});
    require_unread(f);
  }
}

// ---------------------------------------------------------------------------------------------
// Hard links

TEST_CASE("check: hard links are judged by every name of their data", "[cli][gate]") {
  Workspace ws(kProject);
  const fs::path t = ws.path() / "output/tables";
  ws.write("output/tables/raw_people.csv", kClean);
  ws.write("output/tables/counts.csv", kClean);

  SECTION("sharing an inode with a highly_sensitive file: linked_to_protected, blocked") {
    fs::create_hard_link(t / "raw_people.csv", t / "copy.csv");
    auto c = check_json(ws.path(), {"output/tables/copy.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/copy.csv");
    CHECK(f["privacy"] == "moderately_sensitive");
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"linked_to_protected"});
    CHECK(finding(f, "linked_to_protected")["outcome"] == "blocked");
    CHECK_THAT(message(f, "linked_to_protected"), Catch::Contains("output/tables/raw_people.csv"));
    require_unread(f);
  }
  SECTION("sharing an inode with a file hidden in a dot-folder (undeclared)") {
    ws.write(".cache/stash.csv", kClean);
    fs::create_hard_link(ws.path() / ".cache/stash.csv", t / "copy.csv");
    auto c = check_json(ws.path(), {"output/tables/copy.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/copy.csv");
    CHECK(rules_of(f) == std::set<std::string>{"linked_to_protected"});
    CHECK(finding(f, "linked_to_protected")["outcome"] == "blocked");
  }
  SECTION("another name outside the workspace: linked_to_protected, review, exit 3") {
    TempDir other;  // under the same temporary folder, so the same filesystem
    const fs::path there = other.write("elsewhere.csv", kClean);
    fs::create_hard_link(there, t / "shared.csv");
    auto c = check_json(ws.path(), {"output/tables/shared.csv"});
    REQUIRE(c.run.exit_code == 3);
    const json& f = entry(c.report, "output/tables/shared.csv");
    CHECK(f["outcome"] == "review");
    CHECK(rules_of(f) == std::set<std::string>{"linked_to_protected"});
    CHECK(finding(f, "linked_to_protected")["outcome"] == "review");
    CHECK(f["sha256"] == kCleanSha);  // not gate-blocked: it is read
    CHECK(c.report["summary"]["review"] == 1);
  }
  SECTION("two names, both moderately_sensitive: pass") {
    fs::create_hard_link(t / "counts.csv", t / "counts_copy.csv");
    auto c = check_json(ws.path(), {"output/tables/counts.csv", "output/tables/counts_copy.csv"});
    REQUIRE(c.run.exit_code == 0);
    for (const char* p : {"output/tables/counts.csv", "output/tables/counts_copy.csv"}) {
      INFO(p);
      const json& f = entry(c.report, p);
      CHECK(f["outcome"] == "pass");
      CHECK(f["finding_counts"] == json::object());
      CHECK(f["sha256"] == kCleanSha);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// File-level rules

TEST_CASE("check: file_type compares extensions exactly", "[cli][gate]") {
  Workspace ws(kAnyTypeProject);
  ws.write("output/mixed/upper.CSV", kClean);
  ws.write("output/mixed/data.arrow", "ARROW1");
  ws.write("output/mixed/counts.csv", kClean);

  auto c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 1);
  for (const char* p : {"output/mixed/upper.CSV", "output/mixed/data.arrow"}) {
    INFO(p);
    const json& f = entry(c.report, p);
    CHECK(f["privacy"] == "moderately_sensitive");
    CHECK(f["outcome"] == "blocked");
    CHECK(rules_of(f) == std::set<std::string>{"file_type"});
    CHECK(finding(f, "file_type")["outcome"] == "blocked");
  }
  const json& ok = entry(c.report, "output/mixed/counts.csv");
  CHECK(ok["outcome"] == "pass");
  CHECK_FALSE(fired(ok, "file_type"));

  // Undeclared and of a forbidden type: both are reported.
  Workspace main(kProject);
  main.write("output/tables/upper.CSV", kClean);
  auto m = check_json(main.path(), {"output/tables/upper.CSV"});
  REQUIRE(m.run.exit_code == 1);
  CHECK(rules_of(entry(m.report, "output/tables/upper.CSV")) == std::set<std::string>{"file_type", "undeclared"});
}

TEST_CASE("check: file_size blocks files over 16 MiB and still runs the other rules", "[cli][gate]") {
  Workspace ws(kProject);
  const std::string line = "a,10," + std::string(1000, 'x') + "\n";
  std::string csv = "group,num,note\n";
  std::int64_t rows = 0;
  while (csv.size() <= 17u * 1024 * 1024) {
    csv += line;
    ++rows;
  }
  ws.write("output/tables/big.csv", csv);

  auto c = check_json(ws.path(), {"output/tables/big.csv"});
  REQUIRE(c.run.exit_code == 1);
  const json& f = entry(c.report, "output/tables/big.csv");
  CHECK(f["size"] == static_cast<std::int64_t>(csv.size()));
  CHECK(f["outcome"] == "blocked");
  CHECK(finding(f, "file_size")["outcome"] == "blocked");
  CHECK(f["finding_counts"]["file_size"] == 1);
  // Every rule runs on a file it can read: the row limit is reported too.
  CHECK(f["rows"] == rows);
  CHECK(finding(f, "csv_rows")["outcome"] == "fail");
}

TEST_CASE("check: file_size is 'larger than' the limit", "[cli][gate]") {
  Workspace ws(kProject);
  TempDir policy_dir;
  const fs::path policy = policy_dir.write("small.yaml", "extends: opensafely\nlimits: {max_file_bytes: 20}\n");
  ws.write("output/tables/exact.csv", kClean);          // 20 bytes
  ws.write("output/tables/over.csv", kClean + "\n");    // 21 bytes (a blank line: still 2 records)

  auto c = check_json(ws.path(), {"--policy", policy.string(), "output/tables"});
  REQUIRE(c.run.exit_code == 1);
  CHECK(c.report["policy"]["limits"]["max_file_bytes"] == 20);
  const json& exact = entry(c.report, "output/tables/exact.csv");
  CHECK(exact["outcome"] == "pass");
  const json& over = entry(c.report, "output/tables/over.csv");
  CHECK(over["size"] == 21);
  CHECK(over["rows"] == 2);
  CHECK(rules_of(over) == std::set<std::string>{"file_size"});
}

TEST_CASE("check: patient_id blocks identifying headers", "[cli][gate]") {
  Workspace ws(kProject);
  const std::vector<std::string> blocking = {"patient_id", "Patient ID", "PATIENT-ID", "patid",
                                             "nhs_number", "NHS No", "person_id"};
  const std::vector<std::string> allowed = {"patient_count", "id"};
  std::vector<std::string> args;
  auto add = [&](const std::string& header, std::size_t i, const char* prefix) {
    std::string path = "output/tables/" + std::string(prefix) + std::to_string(i) + ".csv";
    ws.write(path, "group," + header + "\na,10\nb,15\n");
    args.push_back(path);
  };
  for (std::size_t i = 0; i < blocking.size(); ++i) add(blocking[i], i, "block_");
  for (std::size_t i = 0; i < allowed.size(); ++i) add(allowed[i], i, "allow_");

  auto c = check_json(ws.path(), args);
  REQUIRE(c.run.exit_code == 1);
  for (std::size_t i = 0; i < blocking.size(); ++i) {
    INFO(blocking[i]);
    const json& f = entry(c.report, "output/tables/block_" + std::to_string(i) + ".csv");
    CHECK(f["outcome"] == "blocked");
    CHECK(f["finding_counts"]["patient_id"] == 1);
    const json& x = finding(f, "patient_id");
    CHECK(x["outcome"] == "blocked");
    CHECK(x["column"] == blocking[i]);
    CHECK_FALSE(x.contains("row"));  // a column-level finding
  }
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    INFO(allowed[i]);
    const json& f = entry(c.report, "output/tables/allow_" + std::to_string(i) + ".csv");
    CHECK_FALSE(fired(f, "patient_id"));
    CHECK(f["outcome"] == "pass");
  }
}

TEST_CASE("check: csv_rows counts data records, not blank lines", "[cli][gate]") {
  Workspace ws(kProject);
  auto rows_csv = [](int n, bool blank_lines) {
    std::string s = "group,num\n";
    for (int i = 0; i < n; ++i) {
      s += "g" + std::to_string(i) + ",10\n";
      if (blank_lines && i % 100 == 0) s += "\n";
    }
    return s;
  };
  ws.write("output/tables/r5000.csv", rows_csv(5000, false));
  ws.write("output/tables/r5001.csv", rows_csv(5001, false));
  ws.write("output/tables/r5000_blank.csv", rows_csv(5000, true));

  auto c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 1);
  const json& over = entry(c.report, "output/tables/r5001.csv");
  CHECK(over["rows"] == 5001);
  CHECK(over["outcome"] == "fail");
  CHECK(rules_of(over) == std::set<std::string>{"csv_rows"});
  CHECK(finding(over, "csv_rows")["outcome"] == "fail");
  for (const char* p : {"output/tables/r5000.csv", "output/tables/r5000_blank.csv"}) {
    INFO(p);
    const json& f = entry(c.report, p);
    CHECK(f["rows"] == 5000);
    CHECK(f["columns"] == 2);
    CHECK(f["outcome"] == "pass");
  }
}

TEST_CASE("check: malformed_csv", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/ragged.csv", "group,num\na,10\nb,15,20\n");
  ws.write("output/tables/open_quote.csv", "group,num\na,10\n\"b,15\n");
  ws.write("output/tables/multiline.csv", "group,num\n\"a\nstill a\",10\nc,15\n");

  SECTION("a ragged row") {
    auto c = check_json(ws.path(), {"output/tables/ragged.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/ragged.csv");
    CHECK(f["outcome"] == "fail");
    const json& x = finding(f, "malformed_csv");
    CHECK(x["outcome"] == "fail");
    CHECK(x["row"] == 2);
  }
  SECTION("an unterminated quote") {
    auto c = check_json(ws.path(), {"output/tables/open_quote.csv"});
    REQUIRE(c.run.exit_code == 1);
    const json& f = entry(c.report, "output/tables/open_quote.csv");
    CHECK(f["outcome"] == "fail");
    CHECK(finding(f, "malformed_csv")["outcome"] == "fail");
  }
  SECTION("a quoted field spanning lines is well formed and one record") {
    auto c = check_json(ws.path(), {"output/tables/multiline.csv"});
    REQUIRE(c.run.exit_code == 0);
    const json& f = entry(c.report, "output/tables/multiline.csv");
    CHECK_FALSE(fired(f, "malformed_csv"));
    CHECK(f["rows"] == 2);
    CHECK(f["outcome"] == "pass");
  }
}

TEST_CASE("check: needs_review for files that cannot be checked automatically", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/charts/plot.png", "\x89PNG\r\n\x1a\n");
  ws.write("output/notes/readme.txt", "notes\n");
  ws.write("output/tables/counts.csv", kClean);

  for (const char* p : {"output/charts/plot.png", "output/notes/readme.txt"}) {
    INFO(p);
    auto c = check_json(ws.path(), {p});
    REQUIRE(c.run.exit_code == 3);
    const json& f = entry(c.report, p);
    CHECK(f["privacy"] == "moderately_sensitive");
    CHECK(f["outcome"] == "review");
    CHECK(rules_of(f) == std::set<std::string>{"needs_review"});
    CHECK(finding(f, "needs_review")["outcome"] == "review");
    CHECK(f["sha256"].is_string());  // read and hashed
    CHECK(f["rows"].is_null());
  }
  auto both = check_json(ws.path(), {"output/charts", "output/notes", "output/tables/counts.csv"});
  CHECK(both.run.exit_code == 3);
  CHECK_FALSE(fired(entry(both.report, "output/tables/counts.csv"), "needs_review"));
  CHECK(both.report["summary"] == json{{"files", 3}, {"pass", 1}, {"review", 2}, {"fail", 0}, {"blocked", 0}});

  ws.write("output/tables/small.csv", "group,num\na,3\nb,20\n");
  auto worse = check_json(ws.path(), {"output/charts/plot.png", "output/tables/small.csv"});
  CHECK(worse.run.exit_code == 1);  // fail outranks review
}

// ---------------------------------------------------------------------------------------------
// The report

TEST_CASE("check: a file gets the same entry whether named or found by a scan", "[cli][gate]") {
  Workspace ws(kProject);
  const fs::path t = ws.path() / "output/tables";
  ws.write("output/tables/counts.csv", kClean);
  ws.write("output/tables/small.csv", "group,num\na,3\nb,20\n");
  ws.write("output/tables/raw_people.csv", kClean);
  ws.write("output/tables/deeper/x.csv", kClean);
  ws.write("output/charts/plot.png", "png");
  ws.write("summary.csv", kClean);
  fs::create_symlink("raw_people.csv", t / "link.csv");
  fs::create_symlink("counts.csv", t / "alias.csv");
  fs::create_symlink("nowhere.csv", t / "dangling.csv");
  fs::create_hard_link(t / "raw_people.csv", t / "hard.csv");

  auto scan = check_json(ws.path());
  REQUIRE(scan.run.exit_code == 1);
  const std::set<std::string> expected = {"output/charts/plot.png", "output/tables/alias.csv",
                                          "output/tables/counts.csv", "output/tables/dangling.csv",
                                          "output/tables/deeper/x.csv", "output/tables/hard.csv",
                                          "output/tables/link.csv", "output/tables/raw_people.csv",
                                          "output/tables/small.csv", "summary.csv"};
  REQUIRE(paths_of(scan.report) == expected);

  // Named one by one, relative to another current directory, or by absolute path.
  for (const auto& p : expected) {
    INFO(p);
    auto rel = check_json(t, {(ws.path() / p).lexically_relative(t).string()});
    REQUIRE(rel.report["files"].size() == 1);
    CHECK(rel.report["files"][0] == entry(scan.report, p));
    auto abs = check_json(ws.path(), {(ws.path() / p).string()});
    REQUIRE(abs.report["files"].size() == 1);
    CHECK(abs.report["files"][0] == entry(scan.report, p));
  }
  // Named all at once, through folders: the same report.
  auto folders = check_json(ws.path(), {"output", "summary.csv"});
  CHECK(folders.report == scan.report);
}

TEST_CASE("check: the JSON report has the documented shape", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/counts.csv", kClean);
  ws.write("output/tables/small.csv", "group,num\na,3\nb,20\n");
  ws.write("output/tables/raw_people.csv", kClean);
  ws.write("output/charts/plot.png", "png");

  auto c = check_json(ws.path());
  REQUIRE(c.run.exit_code == 1);
  const json& r = c.report;
  CHECK(r["schema"] == "outcheck.report/1");
  CHECK(r["tool"]["name"] == "outcheck");
  CHECK(r["tool"]["version"].is_string());
  CHECK_FALSE(r["tool"]["version"].get<std::string>().empty());
  CHECK(r["workspace"] == ws.path().string());
  CHECK(fs::path(r["workspace"].get<std::string>()).is_absolute());
  CHECK(r["policy"]["name"] == "opensafely");
  CHECK(r["policy"]["small_count"]["threshold"] == 7);
  CHECK(r["policy"]["small_count"]["zeros_disclosive"] == false);
  CHECK(r["policy"]["rounding"]["base"] == 5);
  CHECK(r["policy"]["limits"]["max_file_bytes"] == 16777216);
  CHECK(r["policy"]["limits"]["max_csv_rows"] == 5000);
  CHECK(r["summary"] == json{{"files", 4}, {"pass", 1}, {"review", 1}, {"fail", 1}, {"blocked", 1}});
  REQUIRE(r["files"].size() == 4);

  const std::set<std::string> file_keys = {"path", "action", "output_name", "privacy", "size", "sha256", "rows",
                                           "columns", "outcome", "findings", "finding_counts", "job"};
  std::vector<std::string> order;
  for (const auto& f : r["files"]) {
    std::set<std::string> keys;
    for (const auto& [k, v] : f.items()) keys.insert(k);
    // CSV files that were read also carry `column_roles` (interface.md): every header field, its
    // role and why.
    std::set<std::string> expected = file_keys;
    if (f["columns"].is_number()) {
      expected.insert("column_roles");
      REQUIRE(f["column_roles"].size() == f["columns"].get<std::size_t>());
      for (const auto& role : f["column_roles"]) {
        CHECK(role["name"].is_string());
        CHECK(role["role"].is_string());
        CHECK_FALSE(role["why"].get<std::string>().empty());
      }
    }
    CHECK(keys == expected);  // no `policy` key without a file-level override
    order.push_back(f["path"]);
    for (const auto& x : f["findings"]) {
      CHECK(x["rule"].is_string());
      CHECK(x["outcome"].is_string());
      CHECK(x["message"].is_string());
      for (const auto& [k, v] : x.items()) {
        CHECK((k == "rule" || k == "outcome" || k == "row" || k == "column" || k == "value" || k == "message"));
      }
    }
  }
  CHECK(std::is_sorted(order.begin(), order.end()));

  const json& small = entry(r, "output/tables/small.csv");
  CHECK(small["outcome"] == "fail");
  const json& sc = finding(small, "small_count");
  CHECK(sc["outcome"] == "fail");
  CHECK(sc["row"] == 1);
  CHECK(sc["column"] == "num");
  CHECK(sc["value"] == "3");
  CHECK(small["finding_counts"]["small_count"] == 1);
  CHECK(small["sha256"].is_string());
  CHECK(small["sha256"].get<std::string>().size() == 64);
  CHECK(small["column_roles"] == json::array({{{"name", "group"}, {"role", "identifier"}, {"why", "header: identifier or category word"}},
                                              {{"name", "num"}, {"role", "count"}, {"why", "header: count word"}}}));
  CHECK_FALSE(small.contains("column_roles_rows"));  // read whole: fewer rows than the roles are decided on

  const json& raw = entry(r, "output/tables/raw_people.csv");
  const json& pl = finding(raw, "privacy_level");
  CHECK_FALSE(pl.contains("row"));  // a file-level finding
  CHECK_FALSE(pl.contains("column"));
  CHECK(raw["sha256"].is_null());

  CHECK(entry(r, "output/charts/plot.png")["outcome"] == "review");
  CHECK(entry(r, "output/tables/counts.csv")["sha256"] == kCleanSha);

  SECTION("--json is --format json") {
    auto j = run_outcheck({"check", "--json"}, ws.path());
    CHECK(j.exit_code == 1);
    CHECK(json::parse(j.out) == r);
  }
  SECTION("--output FILE writes the same JSON and nothing on stdout") {
    TempDir out_dir;
    const fs::path out = out_dir.path() / "report.json";
    auto o = run_outcheck({"check", "--format", "json", "--output", out.string()}, ws.path());
    CHECK(o.exit_code == 1);
    CHECK(o.out.empty());
    REQUIRE(fs::exists(out));
    CHECK(json::parse(out_dir.read("report.json")) == r);
  }
}

TEST_CASE("check: --max-findings keeps N findings per rule and counts them all", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/small.csv", "group,num\na,1\nb,2\nc,3\nd,4\ne,6\nf,100\n");

  auto c = check_json(ws.path(), {"--max-findings", "2", "output/tables/small.csv"});
  REQUIRE(c.run.exit_code == 1);
  const json& f = entry(c.report, "output/tables/small.csv");
  CHECK(f["finding_counts"]["small_count"] == 5);
  CHECK(kept(f, "small_count") == 2);
  for (const auto& [rule, n] : f["finding_counts"].items()) {
    INFO(rule);
    CHECK(kept(f, rule) == std::min<std::size_t>(2, n.get<std::size_t>()));
  }
  auto all = check_json(ws.path(), {"output/tables/small.csv"});
  CHECK(kept(entry(all.report, "output/tables/small.csv"), "small_count") == 5);

  // 0 means all (interface.md): 150 small counts, past the default of 100, are all listed.
  std::string many = "group,num\n";
  for (int i = 0; i < 150; ++i) many += "g" + std::to_string(i) + ",3\n";
  ws.write("output/tables/many.csv", many);
  auto every = check_json(ws.path(), {"--max-findings", "0", "output/tables/many.csv"});
  CHECK(kept(entry(every.report, "output/tables/many.csv"), "small_count") == 150);
  auto capped = check_json(ws.path(), {"output/tables/many.csv"});
  CHECK(kept(entry(capped.report, "output/tables/many.csv"), "small_count") == 100);
}

// ---------------------------------------------------------------------------------------------
// Errors and --workspace

TEST_CASE("check: usage and input errors exit 2", "[cli][gate]") {
  Workspace ws(kProject);
  ws.write("output/tables/counts.csv", kClean);

  SECTION("a missing path is named") {
    auto r = run_outcheck({"check", "--format", "json", "output/tables/counts.csv", "output/tables/nope.csv"},
                          ws.path());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());  // no partial report
    CHECK_THAT(r.err, Catch::Contains("output/tables/nope.csv"));
  }
  SECTION("no project.yaml here or above") {
    TempDir bare;
    bare.write("x.csv", kClean);
    auto r = run_outcheck({"check"}, bare.path());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("project.yaml"));
    CHECK(run_outcheck({"check", "x.csv"}, bare.path()).exit_code == 2);
  }
  SECTION("a malformed project.yaml: file:line:col") {
    Workspace broken("version: '5'\nactions:\n  a: [unclosed\n");
    auto r = run_outcheck({"check"}, broken.path());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(std::regex_search(r.err, std::regex(R"(project\.yaml:\d+:\d+:)")));

    Workspace invalid("version: '5'\nactions: {}\nfoo: 1\n");
    auto v = run_outcheck({"check"}, invalid.path());
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.err, Catch::Contains("project.yaml:3:1:"));
  }
  SECTION("an unknown --policy") {
    auto r = run_outcheck({"check", "--policy", "no-such-preset"}, ws.path());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no-such-preset"));
  }
  SECTION("a bad flag") {
    CHECK(run_outcheck({"check", "--no-such-flag"}, ws.path()).exit_code == 2);
    CHECK(run_outcheck({"check", "--max-findings", "-1"}, ws.path()).exit_code == 2);
  }
  SECTION("--workspace naming a folder without project.yaml") {
    TempDir bare;
    CHECK(run_outcheck({"check", "--workspace", bare.path().string()}, ws.path()).exit_code == 2);
  }
}

TEST_CASE("check: --workspace works from any current directory", "[cli][gate]") {
  TempDir outer;
  outer.write("ws/project.yaml", kProject);
  outer.write("ws/output/tables/counts.csv", kClean);
  const fs::path root = outer.path() / "ws";
  TempDir elsewhere;

  auto c = check_json(elsewhere.path(), {"--workspace", root.string()});
  REQUIRE(c.run.exit_code == 0);
  CHECK(c.report["workspace"] == root.string());
  CHECK(paths_of(c.report) == std::set<std::string>{"output/tables/counts.csv"});

  auto named = check_json(elsewhere.path(), {"--workspace", root.string(), (root / "output/tables/counts.csv").string()});
  REQUIRE(named.run.exit_code == 0);
  CHECK(named.report["files"] == c.report["files"]);

  auto relative = check_json(outer.path(), {"--workspace", "ws", "ws/output/tables/counts.csv"});
  REQUIRE(relative.run.exit_code == 0);
  CHECK(relative.report["workspace"] == root.string());
  CHECK(relative.report["files"] == c.report["files"]);

  // Relative paths are relative to the current directory, not to --workspace.
  elsewhere.write("counts.csv", kClean);
  auto outside = check_json(elsewhere.path(), {"--workspace", root.string(), "counts.csv"});
  CHECK(outside.run.exit_code == 1);
  CHECK(fired(entry(outside.report, (elsewhere.path() / "counts.csv").string()), "outside_workspace"));
}
