// Text from the outside world may be invalid UTF-8; every JSON outcheck writes must still be
// written (with U+FFFD in its place), never end in an internal error.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/workspace_fixture.h"

using outcheck::test::run_outcheck;
using outcheck::test::Workspace;

TEST_CASE("a CSV header with invalid UTF-8 still gets a JSON report", "[cli][json]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/bad.csv", "n\xff,x\n3,40\n");
  auto r = run_outcheck({"check", "--json"}, ws.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  auto report = nlohmann::json::parse(r.out);
  const auto& file = report.at("files").at(0);
  CHECK(file.at("finding_counts").at("malformed_csv") == 1);
  CHECK(file.at("finding_counts").at("small_count") == 1);
  bool replaced = false;
  for (const auto& f : file.at("findings")) {
    if (f.contains("column") && f.at("column") == "n\xEF\xBF\xBD") replaced = true;  // U+FFFD
  }
  CHECK(replaced);
}

TEST_CASE("a comment with invalid UTF-8 is recorded and the audit chain still verifies", "[cli][json]") {
  Workspace ws(outcheck::test::simple_project_yaml());
  ws.write("output/tables/a.csv", "group,num\na,10\n");
  const std::string home = "OUTCHECK_HOME=" + (ws.path() / "home").string();
  auto token = [&](const std::vector<std::string>& args, const std::string& t) {
    auto r = run_outcheck(args, ws.path(), {home, "OUTCHECK_TOKEN=" + t});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  std::string admin = token({"user", "add", "admin", "--role", "admin"}, "");
  std::string res = token({"user", "add", "res", "--role", "researcher"}, admin);
  std::string chk = token({"user", "add", "chk", "--role", "output-checker"}, admin);
  std::string id = token({"request", "create", "--workspace", "."}, res);
  token({"request", "add", id, "output/tables/a.csv"}, res);
  token({"review", "comment", id, "--group", "default", "--text", "bad \xC3 byte"}, res);
  CHECK(token({"audit", "verify"}, chk).find("intact") != std::string::npos);
  auto log = nlohmann::json::parse(token({"audit", "log", "--request", id, "--json"}, chk));
  bool found = false;
  for (const auto& row : log) {
    if (row.at("action") == "comment") found = row.at("details").at("text") == "bad \xEF\xBF\xBD byte";
  }
  CHECK(found);
}
