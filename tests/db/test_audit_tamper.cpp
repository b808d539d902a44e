// The audit log against someone who can write the database behind outcheck's back (raw SQLite),
// but not read audit.key: dropped triggers, changed rows, rows deleted from the middle or the end,
// and a different key all show in `audit verify`. Expected behaviour: interface.md ("audit verify")
// and db/audit.h's contract (keyed hash chain, audit.head, key mode 0600).
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "db/home.h"
#include "db/service.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
using outcheck::test::run_outcheck;
using outcheck::test::TempDir;
namespace db = outcheck::db;

using outcheck::test::contains;

namespace {

// A home with a few audited actions: users added, and one refusal.
struct AuditedHome {
  TempDir dir;
  fs::path home_dir = dir.path() / "home";
  std::unique_ptr<db::Home> home;
  std::string checker_token;
  std::int64_t rows = 0;

  AuditedHome() {
    auto h = db::open_home(home_dir);
    REQUIRE(h.ok());
    home = std::move(*h);
    db::Service service(*home);
    auto admin_token = service.add_user(nullptr, "admin", {"admin"});
    REQUIRE(admin_token.ok());
    auto admin = service.authenticate(*admin_token);
    REQUIRE(admin.ok());
    for (const char* name : {"res", "c1", "c2"}) {
      std::vector<std::string> roles{name[0] == 'c' ? "output-checker" : "researcher"};
      auto t = service.add_user(&*admin, name, roles);
      REQUIRE(t.ok());
      if (std::string(name) == "c1") checker_token = *t;
    }
    auto checker = service.authenticate(checker_token);
    REQUIRE(checker.ok());
    REQUIRE(!service.list_users(*checker).ok());  // refused, and audited
    auto more = service.add_user(&*admin, "c3", {"output-checker"});
    REQUIRE(more.ok());
    auto head = home->audit.head(home->db);
    REQUIRE(head.ok());
    rows = head->seq;
    REQUIRE(rows == 6);
  }

  std::vector<std::string> verify() {
    // A fresh open, as a later `outcheck audit verify` would do.
    auto h = db::open_home(home_dir);
    REQUIRE(h.ok());
    auto problems = (*h)->audit.verify((*h)->db);
    REQUIRE(problems.ok());
    return *problems;
  }

  // Runs SQL on the database directly; returns SQLite's error message, empty on success.
  std::string raw(const std::string& sql) {
    sqlite3* conn = nullptr;
    REQUIRE(sqlite3_open((home_dir / "outcheck.db").c_str(), &conn) == SQLITE_OK);
    sqlite3_busy_timeout(conn, 5000);
    char* err = nullptr;
    int rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &err);
    std::string message = rc == SQLITE_OK ? "" : (err ? err : "error");
    sqlite3_free(err);
    sqlite3_close(conn);
    return message;
  }

  std::int64_t count_rows() {
    sqlite3* conn = nullptr;
    REQUIRE(sqlite3_open((home_dir / "outcheck.db").c_str(), &conn) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(conn, "SELECT count(*) FROM audit_log", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return n;
  }

  void drop_triggers() {
    REQUIRE(raw("DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;").empty());
  }
};

std::string all(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "\n";
  return s;
}

// The problems that name a row ("row N ...").
std::vector<std::string> row_problems(const std::vector<std::string>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    if (p.rfind("row ", 0) == 0) out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE("audit: an intact log verifies clean, the key is private", "[db][audit]") {
  AuditedHome h;
  CHECK(h.verify().empty());
  struct stat st;
  REQUIRE(::stat((h.home_dir / "audit.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("audit: the triggers refuse UPDATE and DELETE", "[db][audit]") {
  AuditedHome h;
  CHECK(contains(h.raw("UPDATE audit_log SET details = '{}' WHERE seq = 2"), "append-only"));
  CHECK(contains(h.raw("DELETE FROM audit_log WHERE seq = 6"), "append-only"));
  CHECK(contains(h.raw("DELETE FROM audit_log"), "append-only"));
  CHECK(h.count_rows() == h.rows);
  CHECK(h.verify().empty());
}

TEST_CASE("audit: dropped triggers are reported", "[db][audit]") {
  AuditedHome h;
  h.drop_triggers();
  auto problems = h.verify();
  INFO(all(problems));
  REQUIRE(problems.size() == 1);
  CHECK(contains(problems[0], "trigger"));
}

TEST_CASE("audit: a changed row is named", "[db][audit]") {
  AuditedHome h;
  h.drop_triggers();
  REQUIRE(h.raw("UPDATE audit_log SET details = '{\"name\":\"someone-else\",\"roles\":[\"admin\"]}' WHERE seq = 3").empty());
  auto problems = h.verify();
  INFO(all(problems));
  CHECK(contains(all(problems), "trigger"));
  auto rows = row_problems(problems);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].rfind("row 3 ", 0) == 0);
  CHECK(contains(rows[0], "does not match its hash"));
}

TEST_CASE("audit: a changed user or time is caught as well as changed details", "[db][audit]") {
  AuditedHome h;
  h.drop_triggers();
  REQUIRE(h.raw("UPDATE audit_log SET user = 'nobody' WHERE seq = 5").empty());
  auto rows = row_problems(h.verify());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].rfind("row 5 ", 0) == 0);
}

TEST_CASE("audit: rows deleted from the end are reported (audit.head)", "[db][audit]") {
  AuditedHome h;
  h.drop_triggers();
  REQUIRE(h.raw("DELETE FROM audit_log WHERE seq > " + std::to_string(h.rows - 2)).empty());
  REQUIRE(h.count_rows() == h.rows - 2);
  auto problems = h.verify();
  INFO(all(problems));
  bool reported = false;
  for (const auto& p : problems) reported |= contains(p, "deleted from the end") && contains(p, "audit.head");
  CHECK(reported);
}

TEST_CASE("audit: a row deleted from the middle is reported", "[db][audit]") {
  AuditedHome h;
  h.drop_triggers();
  REQUIRE(h.raw("DELETE FROM audit_log WHERE seq = 3").empty());
  auto problems = h.verify();
  INFO(all(problems));
  auto rows = row_problems(problems);
  REQUIRE(!rows.empty());
  CHECK(rows[0].rfind("row 3 ", 0) == 0);
  CHECK(contains(rows[0], "deleted"));
}

TEST_CASE("audit: another key fails verification at row 1", "[db][audit]") {
  AuditedHome h;
  {
    std::ofstream key(h.home_dir / "audit.key", std::ios::trunc);
    key << std::string(64, 'a');
  }
  auto problems = h.verify();
  INFO(all(problems));
  auto rows = row_problems(problems);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].rfind("row 1 ", 0) == 0);
  CHECK(contains(rows[0], "does not match its hash"));
}

TEST_CASE("audit: CLI audit verify exits 0 when intact and 1 on a broken chain", "[db][audit]") {
  AuditedHome h;
  const std::vector<std::string> env{"OUTCHECK_HOME=" + h.home_dir.string(), "OUTCHECK_TOKEN=" + h.checker_token};
  auto intact = run_outcheck({"audit", "verify"}, h.dir.path(), env);
  INFO(intact.out << intact.err);
  CHECK(intact.exit_code == 0);
  auto intact_json = run_outcheck({"audit", "verify", "--json"}, h.dir.path(), env);
  CHECK(intact_json.exit_code == 0);
  CHECK(contains(intact_json.out, "\"intact\": true"));

  h.drop_triggers();
  REQUIRE(h.raw("UPDATE audit_log SET action = 'nothing_to_see' WHERE seq = 2").empty());
  auto broken = run_outcheck({"audit", "verify"}, h.dir.path(), env);
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 1);
  CHECK(contains(broken.out + broken.err, "row 2"));
  auto broken_json = run_outcheck({"audit", "verify", "--json"}, h.dir.path(), env);
  CHECK(broken_json.exit_code == 1);
  CHECK(contains(broken_json.out, "\"intact\": false"));
}
