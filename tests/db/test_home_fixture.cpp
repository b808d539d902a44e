// A home written by outcheck 0.1.0 (tests/fixtures/home-0.1.0, made by scripts/make-home-fixture.sh
// with the build of that time): users of each role, a request in every state, votes, public and
// private comments, a folder release, an interrupted one, and audit rows holding bytes that are not
// UTF-8. A copy opened by this build must upgrade in place, verify, and keep every request in its state.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "db/schema.h"
#include "tests/support/sqlite_file.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using outcheck::test::RunResult;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;

namespace {

std::map<std::string, std::string> read_pairs(const fs::path& p) {
  std::map<std::string, std::string> out;
  std::ifstream in(p);
  std::string a, b;
  while (in >> a >> b) out[a] = b;
  return out;
}

}  // namespace

TEST_CASE("a home made by outcheck 0.1.0 upgrades, verifies and keeps every request in its state", "[db][fixture]") {
  const fs::path fixtures = fs::path(outcheck::test::source_dir()) / "tests" / "fixtures";
  const auto states = read_pairs(fixtures / "home-0.1.0.states");
  const auto tokens = read_pairs(fixtures / "home-0.1.0.tokens");
  REQUIRE(states.size() == 9);
  TempDir dir;
  const fs::path home = dir.path() / "home";
  fs::copy(fixtures / "home-0.1.0", home, fs::copy_options::recursive);
  fs::permissions(home / "audit.key", fs::perms::owner_read | fs::perms::owner_write);
  const int before = outcheck::test::sqlite_user_version((home / "outcheck.db").string());
  REQUIRE(before == 2);

  auto as = [&](const std::string& user, const std::vector<std::string>& args) {
    return run_outcheck(args, dir.path(), {"OUTCHECK_HOME=" + home.string(), "OUTCHECK_TOKEN=" + tokens.at(user)});
  };
  RunResult list = as("c1", {"request", "list", "--json"});
  INFO(list.err);
  REQUIRE(list.exit_code == 0);
  CHECK(outcheck::test::sqlite_user_version((home / "outcheck.db").string()) == outcheck::db::kSchemaVersion);
  auto rows = nlohmann::json::parse(list.out);
  std::map<std::string, std::string> now;
  for (const auto& r : rows) now[r["id"].get<std::string>()] = r["status"].get<std::string>();
  CHECK(now == states);

  RunResult verify = as("c1", {"audit", "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(outcheck::test::contains(verify.out, "intact"));

  // The upgrade grants each author the workspaces of their requests, and membership is then enforced.
  RunResult members = as("admin", {"workspace", "list"});
  INFO(members.err);
  CHECK(members.exit_code == 0);
  CHECK(outcheck::test::contains(members.out, "membership enforced"));
  CHECK(outcheck::test::contains(members.out, "pending  res  (granted by (upgrade"));
  CHECK(outcheck::test::contains(members.out, "released  res2  (granted by (upgrade"));
  // A row written now (hashed over its exact bytes) follows 0.1.0's rows, and the chain still holds.
  CHECK(as("admin", {"workspace", "grant", "pending", "res2"}).exit_code == 0);
  RunResult again = as("c1", {"audit", "verify"});
  INFO(again.out);
  CHECK(again.exit_code == 0);

  // Each request still shows, votes and comments included, to an output checker.
  for (const auto& [id, status] : states) {
    RunResult show = as("c3", {"request", "show", id, "--json"});
    INFO(id << " " << show.err);
    REQUIRE(show.exit_code == 0);
    CHECK(nlohmann::json::parse(show.out)["status"] == status);
  }
}
