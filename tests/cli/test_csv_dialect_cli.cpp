// The delimiter a `.csv` is written with, end to end through the real binary (interface.md:
// `delimiter`, `malformed_csv`): `check` reads a tab- or semicolon-separated file column by column
// and says so with one `delimiter` finding (review); `redact` writes its copy as it read it; and a
// file's malformed records make one `malformed_csv` finding.
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
using outcheck::test::Workspace;

namespace {

// `check --json PATH` on one file of the workspace: its entry, with the exit code beside it.
json check_one(const Workspace& ws, const std::string& path) {
  RunResult r = run_outcheck({"check", "--json", path}, ws.path());
  INFO("exit " << r.exit_code << "\nstderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(!r.out.empty());
  json file = json::parse(r.out).at("files").at(0);
  file["exit_code"] = r.exit_code;
  return file;
}

std::vector<json> of(const json& file, const std::string& rule) {
  std::vector<json> out;
  for (const auto& f : file.at("findings")) {
    if (f.at("rule") == rule) out.push_back(f);
  }
  return out;
}

}  // namespace

TEST_CASE("check: a tab-separated .csv is read with tabs and named for review", "[cli][delimiter]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/tabs.csv", "group\tnum\na\t10\nb\t3\nc\t15\n");
  const json f = check_one(ws, "output/tables/tabs.csv");
  INFO(f.dump(2));
  CHECK(f["exit_code"] == 1);
  CHECK(f["outcome"] == "fail");
  CHECK(f["columns"] == 2);
  CHECK(f["rows"] == 3);
  CHECK(f["finding_counts"]["delimiter"] == 1);
  CHECK(f["finding_counts"]["small_count"] == 1);
  CHECK_FALSE(f["finding_counts"].contains("malformed_csv"));
  const auto delimiter = of(f, "delimiter");
  REQUIRE(delimiter.size() == 1);
  CHECK(delimiter[0]["outcome"] == "review");
  CHECK_FALSE(delimiter[0].contains("row"));
  CHECK_FALSE(delimiter[0].contains("column"));
  CHECK(delimiter[0]["message"] ==
        "separated by tabs, not commas: checked as such; confirm the file is what it claims to be");
  const auto small = of(f, "small_count");
  REQUIRE(small.size() == 1);
  CHECK(small[0]["row"] == 2);
  CHECK(small[0]["column"] == "num");
  CHECK(small[0]["value"] == "3");
}

TEST_CASE("check: a clean tab-separated .csv needs review, not a pass", "[cli][delimiter]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/tabs.csv", "group\tnum\na\t10\nb\t15\n");
  const json f = check_one(ws, "output/tables/tabs.csv");
  INFO(f.dump(2));
  CHECK(f["exit_code"] == 3);
  CHECK(f["outcome"] == "review");
  CHECK(f["columns"] == 2);
}

TEST_CASE("check: a semicolon file after a sep= line has its rows and lines right", "[cli][delimiter]") {
  // Line 1 is sep=;, line 2 the header; row 2 (line 4) is small; row 4 (line 7, after a blank
  // line) has a field too many.
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/semi.csv", "sep=;\r\ngroup;num\r\na;10\r\nb;3\r\nc;15\r\n\r\nd;20;5\r\n");
  const json f = check_one(ws, "output/tables/semi.csv");
  INFO(f.dump(2));
  CHECK(f["exit_code"] == 1);
  CHECK(f["columns"] == 2);
  CHECK(f["rows"] == 4);
  CHECK(f["finding_counts"]["delimiter"] == 1);
  const auto delimiter = of(f, "delimiter");
  REQUIRE(delimiter.size() == 1);
  CHECK(delimiter[0]["outcome"] == "review");
  CHECK(contains(delimiter[0]["message"].get<std::string>(), "separated by semicolons"));
  const auto small = of(f, "small_count");
  REQUIRE(small.size() == 1);
  CHECK(small[0]["row"] == 2);
  CHECK(small[0]["column"] == "num");
  const auto malformed = of(f, "malformed_csv");
  REQUIRE(malformed.size() == 1);
  CHECK(malformed[0]["row"] == 4);
  CHECK(malformed[0]["message"] == "has 3 fields but the header has 2 (line 7)");
}

TEST_CASE("check: a comma file with tabs inside its fields is read with commas", "[cli][delimiter]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/commas.csv", "group,note,num\na\tb,x\ty,10\nc\td,z\tw,3\n");
  const json f = check_one(ws, "output/tables/commas.csv");
  INFO(f.dump(2));
  CHECK(f["columns"] == 3);
  CHECK_FALSE(f["finding_counts"].contains("delimiter"));
  const auto small = of(f, "small_count");
  REQUIRE(small.size() == 1);
  CHECK(small[0]["row"] == 2);
  CHECK(small[0]["column"] == "num");
}

TEST_CASE("check: several malformed records make one malformed_csv finding", "[cli][delimiter]") {
  // Rows 2, 3 and 5 are ragged (lines 3, 4 and 7); --max-findings 0 keeps every finding there is.
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/ragged.csv", "group,num\na,10\nb\nc,15,1\nd,20\n\ne,1,2,3\n");
  for (const char* cap : {"100", "0"}) {
    RunResult r = run_outcheck({"check", "--json", "--max-findings", cap, "output/tables/ragged.csv"}, ws.path());
    INFO(r.err << r.out);
    CHECK(r.exit_code == 1);
    const json f = json::parse(r.out).at("files").at(0);
    CHECK(f["finding_counts"]["malformed_csv"] == 1);
    const auto malformed = of(f, "malformed_csv");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0]["outcome"] == "fail");
    CHECK(malformed[0]["row"] == 2);
    CHECK_FALSE(malformed[0].contains("column"));
    CHECK(malformed[0]["message"] ==
          "3 malformed records; the first: row 2 has 1 fields but the header has 2 (line 3)");
  }
}

TEST_CASE("redact: a tab-separated file is written with tabs, a sep= file with its sep= line",
          "[cli][redact][delimiter]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  fs::create_directories(ws.path() / "output/tables");
  SECTION("tabs") {
    // opensafely: 3 -> [REDACTED]; 12 -> 10. A label holding a comma is quoted, so the copy reads
    // with tabs again.
    ws.write("input/raw.csv", "group\tnum\na, north\t3\nb\t12\nc\t20\n");
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/safe.csv"}, ws.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ws.read("output/tables/safe.csv") == "group\tnum\n\"a, north\"\t[REDACTED]\nb\t10\nc\t20\n");
    const json f = check_one(ws, "output/tables/safe.csv");
    INFO(f.dump(2));
    CHECK(f["columns"] == 2);
    CHECK(f["outcome"] == "review");  // only the delimiter is left to look at
    CHECK(f["finding_counts"] == json{{"delimiter", 1}});
  }
  SECTION("sep=;") {
    ws.write("input/raw.csv", "sep=;\r\ngroup;num\r\na;3\r\nb;12\r\nc;20\r\n");
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/safe.csv"}, ws.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ws.read("output/tables/safe.csv") == "sep=;\ngroup;num\na;[REDACTED]\nb;10\nc;20\n");
    CHECK(contains(r.err, "row 1 column \"num\": 3 -> [REDACTED] (small_count)"));
  }
  SECTION("a malformed tab file is refused, naming its row and true line") {
    ws.write("input/raw.csv", "sep=\t\ngroup\tnum\na\t10\nb\t20\t5\n");
    RunResult r = run_outcheck({"redact", "input/raw.csv", "-o", "output/tables/safe.csv"}, ws.path());
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "row 2 (line 4)"));
    CHECK_FALSE(fs::exists(ws.path() / "output/tables/safe.csv"));
  }
}
