// `outcheck redact IN -o OUT` end to end through the real binary (interface.md): IN is never
// touched, OUT passes `outcheck check`, the changes are listed, and bad input is refused with exit
// 2 and no OUT. Expected values are worked out by hand from policy.md.
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::Workspace;

using outcheck::test::contains;

namespace {

// output/tables/*.csv is moderately sensitive; input/ is declared by nothing (and never checked).
std::string project() { return outcheck::test::simple_project_yaml(); }

// A rate table with a total row. By hand (opensafely): num 3 -> [REDACTED] and its rate with it;
// 12 -> 10, 24 -> 25, total 39 -> 40. Then 40 - 10 - 25 = 5 would give the 3 back, so the
// smallest published num, row b's 10, is suppressed too, and row b's rate with it. List sizes are
// multiples of 5 above 7 and stay. A quoted label with a comma stays quoted.
const std::string kIn =
    "group,num,list_size,value\n"
    "a,3,1000,3.0\n"
    "\"b, east\",12,2000,6.0\n"
    "c,24,1500,16.0\n"
    "total,39,4500,8.67\n";
const std::string kOut =
    "group,num,list_size,value\n"
    "a,[REDACTED],1000,[REDACTED]\n"
    "\"b, east\",[REDACTED],2000,[REDACTED]\n"
    "c,25,1500,16.67\n"
    "total,40,4500,8.89\n";

json check_report(const fs::path& cwd, const std::vector<std::string>& paths, const std::string& policy = "opensafely") {
  std::vector<std::string> args = {"check", "--json", "--policy", policy};
  args.insert(args.end(), paths.begin(), paths.end());
  RunResult r = run_outcheck(args, cwd);
  INFO("exit " << r.exit_code << "\nstderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(!r.out.empty());
  json j = json::parse(r.out);
  j["exit_code"] = r.exit_code;
  return j;
}

}  // namespace

TEST_CASE("redact: writes a copy that check passes and never touches the input", "[cli][redact]") {
  Workspace ws(project());
  ws.write("input/raw.csv", kIn);

  // The raw table fails the check where it stands (made reportable by copying it in).
  ws.write("output/tables/raw_copy.csv", kIn);
  json raw = check_report(ws.path(), {"output/tables/raw_copy.csv"});
  CHECK(raw["exit_code"] == 1);
  CHECK(raw["files"][0]["outcome"] == "fail");

  RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/redacted.csv"}, ws.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(ws.read("input/raw.csv") == kIn);
  CHECK(ws.read("output/tables/redacted.csv") == kOut);
  // The changes are listed on stderr.
  CHECK(contains(r.err, "row 1 column \"num\": 3 -> [REDACTED] (small_count)"));
  CHECK(contains(r.err, "row 3 column \"num\": 24 -> 25 (unrounded)"));
  CHECK(contains(r.err, "row 1 column \"value\": 3.0 -> [REDACTED] (derived_from_small_count)"));
  CHECK(contains(r.err, "(secondary_disclosure)"));
  CHECK(r.out.empty());

  json rep = check_report(ws.path(), {"output/tables/redacted.csv"});
  INFO(rep.dump(2));
  CHECK(rep["exit_code"] == 0);
  REQUIRE(rep["files"].size() == 1);
  const json& f = rep["files"][0];
  CHECK(f["path"] == "output/tables/redacted.csv");
  CHECK(f["privacy"] == "moderately_sensitive");
  CHECK(f["output_name"] == "table");
  CHECK(f["outcome"] == "pass");
  CHECK(f["findings"] == json::array());
  CHECK(f["rows"] == 4);
}

TEST_CASE("redact: --report writes every change as JSON", "[cli][redact]") {
  Workspace ws(project());
  ws.write("input/raw.csv", kIn);
  fs::create_directories(ws.path() / "output/tables");
  RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/redacted.csv", "--report", "changes.json"},
                             ws.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  json rep = json::parse(ws.read("changes.json"));
  INFO(rep.dump(2));
  CHECK(rep["rows"] == 4);
  CHECK(rep["policy"]["name"] == "opensafely");
  std::set<std::tuple<int, std::string, std::string, std::string, std::string>> got;
  for (const auto& c : rep.at("changes")) {
    got.insert({c.at("row").get<int>(), c.at("column").get<std::string>(), c.at("before").get<std::string>(),
                c.at("after").get<std::string>(), c.at("rule").get<std::string>()});
  }
  const std::string R = "[REDACTED]";
  // Every cell that differs between IN and OUT, with the rule it satisfies.
  CHECK(got.count({1, "num", "3", R, "small_count"}) == 1);
  CHECK(got.count({1, "value", "3.0", R, "derived_from_small_count"}) == 1);
  // Row b's count was rounded (12 -> 10) and then suppressed for the total: one change per cell,
  // from the original text to the final one, under the rule that decided it.
  CHECK(got.count({2, "num", "12", R, "secondary_disclosure"}) == 1);
  CHECK(got.count({3, "num", "24", "25", "unrounded"}) == 1);
  CHECK(got.count({4, "num", "39", "40", "unrounded"}) == 1);
  CHECK(got.count({2, "value", "6.0", R, "derived_from_small_count"}) == 1);
  // Row c's and the total's rates are computed again from the rounded counts (24 / 1500 -> 25 /
  // 1500): left as they were, with a rounded count they give the other's unrounded value back.
  CHECK(got.count({3, "value", "16.0", "16.67", "unrounded"}) == 1);
  CHECK(got.count({4, "value", "8.67", "8.89", "unrounded"}) == 1);
  for (const auto& [row, col, before, after, rule] : got) {
    // Nothing else changes: not the labels, not the list sizes.
    CHECK(col != "group");
    CHECK(col != "list_size");
  }
  CHECK(got.size() == 8);
}

TEST_CASE("redact: counts written in headers are rounded or suppressed there, and the copy passes", "[cli][redact]") {
  // gtsummary heads its columns "**TRUE**, N = 525,734". By hand (opensafely): 525,734 -> 525,735
  // (commas kept), 98,691 -> 98,690, "Other, N = 6" is small -> "Other, N = [REDACTED]"; the cells
  // 20 and 30 stay, 6 is suppressed.
  Workspace ws(project());
  ws.write("input/raw.csv",
           "variable,\"**TRUE**, N = 525,734\",\"**FALSE**, N = 98,691\",\"Other, N = 6\"\n"
           "sex,20,30,6\n");
  fs::create_directories(ws.path() / "output/tables");
  RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/redacted.csv", "--report", "changes.json"},
                             ws.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(ws.read("output/tables/redacted.csv") ==
        "variable,\"**TRUE**, N = 525,735\",\"**FALSE**, N = 98,690\",\"Other, N = [REDACTED]\"\n"
        "sex,20,30,[REDACTED]\n");
  CHECK(contains(r.err, "header column \"**TRUE**, N = 525,734\": **TRUE**, N = 525,734 -> **TRUE**, N = 525,735 (unrounded)\n"));
  CHECK(contains(r.err, "header column \"Other, N = 6\": Other, N = 6 -> Other, N = [REDACTED] (small_count)\n"));
  CHECK(contains(r.err, "1 cells and 3 headers changed in 1 rows\n"));
  CHECK_FALSE(contains(r.err, "still fails"));
  // In the report a header's change is row 0's, named by the header as it was read.
  json rep = json::parse(ws.read("changes.json"));
  INFO(rep.dump(2));
  CHECK(rep["still_failing"] == json::object());
  bool found = false;
  for (const auto& c : rep.at("changes")) {
    if (c.at("row") != 0 || c.at("column") != "**FALSE**, N = 98,691") continue;
    found = true;
    CHECK(c.at("before") == "**FALSE**, N = 98,691");
    CHECK(c.at("after") == "**FALSE**, N = 98,690");
    CHECK(c.at("rule") == "unrounded");
  }
  CHECK(found);
  json rep_check = check_report(ws.path(), {"output/tables/redacted.csv"});
  INFO(rep_check.dump(2));
  CHECK(rep_check["files"][0]["outcome"] == "pass");
}

TEST_CASE("redact: -o and --report are written together or not at all", "[cli][redact]") {
  Workspace ws(project());
  ws.write("input/raw.csv", kIn);
  fs::create_directories(ws.path() / "output/tables");
  ws.write("output/tables/redacted.csv", "an older copy\n");
  // The report's folder does not exist: nothing may change, the older -o file included.
  RunResult r = run_outcheck(
      {"redact", "input/raw.csv", "-o", "output/tables/redacted.csv", "--report", "no-such-folder/changes.json"},
      ws.path());
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no-such-folder/changes.json"));
  CHECK(ws.read("output/tables/redacted.csv") == "an older copy\n");
  CHECK_FALSE(fs::exists(ws.path() / "no-such-folder"));
  // No temporary file is left beside either target.
  for (const auto& e : fs::directory_iterator(ws.path() / "output/tables")) {
    CHECK(e.path().filename() == "redacted.csv");
  }
  // The other way round: -o into a missing folder, the report not written either.
  RunResult o = run_outcheck({"redact", "input/raw.csv", "-o", "missing/out.csv", "--report", "changes.json"}, ws.path());
  CHECK(o.exit_code == 2);
  CHECK_FALSE(fs::exists(ws.path() / "changes.json"));
}

TEST_CASE("redact: sdc-handbook output passes an sdc-handbook check", "[cli][redact]") {
  Workspace ws(project());
  // sdc-handbook: 0 to 9 are suppressed, nothing is rounded.
  ws.write("input/raw.csv", "group,num\na,0\nb,9\nc,10\nd,123\n");
  fs::create_directories(ws.path() / "output/tables");
  RunResult r = run_outcheck({"redact", "--policy", "sdc-handbook", "input/raw.csv", "-o", "output/tables/r.csv"},
                             ws.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(ws.read("output/tables/r.csv") == "group,num\na,[REDACTED]\nb,[REDACTED]\nc,10\nd,123\n");
  json rep = check_report(ws.path(), {"output/tables/r.csv"}, "sdc-handbook");
  CHECK(rep["exit_code"] == 0);
  CHECK(rep["files"][0]["outcome"] == "pass");
}

TEST_CASE("redact: a malformed CSV is refused with exit 2, naming the row, and no output", "[cli][redact]") {
  Workspace ws(project());
  fs::create_directories(ws.path() / "output/tables");
  SECTION("a ragged row") {
    // Data record 2 starts on line 3 and has 3 fields where the header has 2.
    const std::string in = "group,num\na,10\nb,20,5\nc,3\n";
    ws.write("input/raw.csv", in);
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/out.csv"}, ws.path());
    CHECK(r.exit_code == 2);
    INFO(r.err);
    CHECK(contains(r.err, "input/raw.csv"));
    CHECK(contains(r.err, "row 2"));
    CHECK(contains(r.err, "line 3"));
    CHECK_FALSE(fs::exists(ws.path() / "output/tables/out.csv"));
    CHECK(fs::is_empty(ws.path() / "output/tables"));  // no temporary file left behind
    CHECK(ws.read("input/raw.csv") == in);
  }
  SECTION("an unterminated quote") {
    // Record 2 opens a quote on line 3 that never closes.
    const std::string in = "group,num\na,10\n\"b,20\nc,3\n";
    ws.write("input/raw.csv", in);
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/out.csv"}, ws.path());
    CHECK(r.exit_code == 2);
    INFO(r.err);
    CHECK(contains(r.err, "input/raw.csv"));
    CHECK(contains(r.err, "row 2"));
    CHECK(contains(r.err, "line 3"));
    CHECK(contains(r.err, "quote"));
    CHECK_FALSE(fs::exists(ws.path() / "output/tables/out.csv"));
    CHECK(fs::is_empty(ws.path() / "output/tables"));  // no temporary file left behind
  }
  SECTION("an existing OUT is left as it was") {
    ws.write("input/raw.csv", "group,num\na,10\nb,20,5\n");
    ws.write("output/tables/out.csv", "group,num\nold,10\n");
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/out.csv"}, ws.path());
    CHECK(r.exit_code == 2);
    CHECK(ws.read("output/tables/out.csv") == "group,num\nold,10\n");
  }
}

TEST_CASE("redact: refuses to write over its input", "[cli][redact]") {
  Workspace ws(project());
  const std::string in = "group,num\na,3\nb,12\n";
  ws.write("input/raw.csv", in);
  for (const char* out : {"input/raw.csv", "./input/raw.csv", "input/../input/raw.csv"}) {
    CAPTURE(out);
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", out}, ws.path());
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.err.empty());
    CHECK(ws.read("input/raw.csv") == in);
  }
  SECTION("nor through a link to it") {
    fs::create_symlink(ws.path() / "input/raw.csv", ws.path() / "link.csv");
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "link.csv"}, ws.path());
    CHECK(r.exit_code == 2);
    CHECK(ws.read("input/raw.csv") == in);
    CHECK(fs::is_symlink(ws.path() / "link.csv"));
  }
}

TEST_CASE("redact: --report may not name the input or the output", "[cli][redact]") {
  Workspace ws(project());
  const std::string in = "group,num\na,3\nb,12\n";
  ws.write("input/raw.csv", in);
  fs::create_directories(ws.path() / "output/tables");
  SECTION("the input") {
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/out.csv", "--report", "input/raw.csv"},
                               ws.path());
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "input/raw.csv"));
    CHECK(ws.read("input/raw.csv") == in);
    CHECK(fs::is_empty(ws.path() / "output/tables"));
  }
  SECTION("the input by another name") {
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/out.csv", "--report", "./input/../input/raw.csv"},
                               ws.path());
    CHECK(r.exit_code == 2);
    CHECK(ws.read("input/raw.csv") == in);
  }
  SECTION("the output, before it exists") {
    RunResult r = run_outcheck(
        {"redact", "input/raw.csv", "-o", "output/tables/out.csv", "--report", "output/tables/out.csv"}, ws.path());
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "output/tables/out.csv"));
    CHECK(fs::is_empty(ws.path() / "output/tables"));
    CHECK(ws.read("input/raw.csv") == in);
  }
}

TEST_CASE("redact: an input that is a folder is exit 2", "[cli][redact]") {
  Workspace ws(project());
  fs::create_directories(ws.path() / "input");
  fs::create_directories(ws.path() / "output/tables");
  RunResult r = run_outcheck({"redact", "input", "-o", "output/tables/out.csv"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "input"));
  CHECK(contains(r.err, "not a regular file"));
  CHECK(fs::is_empty(ws.path() / "output/tables"));
}

TEST_CASE("redact: a missing input is exit 2 naming it", "[cli][redact]") {
  Workspace ws(project());
  fs::create_directories(ws.path() / "output/tables");
  RunResult r = run_outcheck({"redact", "input/none.csv", "-o", "output/tables/out.csv"}, ws.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "input/none.csv"));
  CHECK_FALSE(fs::exists(ws.path() / "output/tables/out.csv"));
  CHECK(fs::is_empty(ws.path() / "output/tables"));  // no temporary file left behind
}

TEST_CASE("redact: a bad policy file is exit 2 naming its line and key", "[cli][redact]") {
  Workspace ws(project());
  fs::create_directories(ws.path() / "output/tables");
  ws.write("input/raw.csv", "group,num\na,3\n");
  ws.write("policy.yaml", "small_count:\n  threshold: seven\n");
  RunResult r = run_outcheck({"redact", "--policy", "policy.yaml", "input/raw.csv", "-o", "output/tables/out.csv"},
                             ws.path());
  CHECK(r.exit_code == 2);
  INFO(r.err);
  CHECK(contains(r.err, "policy.yaml:2:14: "));
  CHECK(contains(r.err, "small_count.threshold"));
  CHECK_FALSE(fs::exists(ws.path() / "output/tables/out.csv"));
  CHECK(fs::is_empty(ws.path() / "output/tables"));  // no temporary file left behind
}

TEST_CASE("redact: missing -o is a usage error", "[cli][redact]") {
  Workspace ws(project());
  ws.write("input/raw.csv", "group,num\na,3\n");
  RunResult r = run_outcheck({"redact", "input/raw.csv"}, ws.path());
  CHECK(r.exit_code == 2);
}

TEST_CASE("redact: what the copy still fails is named, on stderr and in the report", "[cli][redact]") {
  Workspace ws(project());
  // STP codes (E54) cannot be redacted into regions: the copy still fails organisation_identifier;
  // the small count 3 is suppressed.
  ws.write("input/stp.csv", "label,n\nE54000005,3\nE54000026,100\n");
  RunResult r = run_outcheck({"redact", "input/stp.csv", "-o", "out.csv", "--report", "changes.json"}, ws.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.err, "the copy still fails: organisation_identifier (1)"));
  json rep = json::parse(ws.read("changes.json"));
  CHECK(rep["still_failing"] == json{{"organisation_identifier", 1}});
  // A copy that passes says nothing of the kind, and its report's list is empty.
  ws.write("input/raw.csv", kIn);
  RunResult clean = run_outcheck({"redact", "input/raw.csv", "-o", "clean.csv", "--report", "clean.json"}, ws.path());
  REQUIRE(clean.exit_code == 0);
  CHECK_FALSE(contains(clean.err, "still fails"));
  CHECK(json::parse(ws.read("clean.json"))["still_failing"] == json::object());
}
