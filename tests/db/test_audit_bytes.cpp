// Issue 15, item 9: each audit row's HMAC covers its exact stored bytes. A byte changed into another
// byte that is not UTF-8 (which 0.1.0's hash read, like the original, as U+FFFD) is a changed row.
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "db/home.h"
#include "tests/support/workspace_fixture.h"

namespace db = outcheck::db;

TEST_CASE("audit rows hash their exact stored bytes, invalid UTF-8 included", "[db][audit]") {
  outcheck::test::TempDir dir;
  const auto home_dir = dir.path() / "home";
  {
    auto home = db::open_home(home_dir);
    REQUIRE(home);
    db::AuditEvent e;
    e.user = "admin";
    e.action = "file_add";
    e.path = std::string("output/caf\xe9.csv");
    auto head = (*home)->audit.append((*home)->db, e, "2026-01-01T00:00:00Z");
    REQUIRE(head);
    (*home)->audit.record_head(*head);
    auto ok = (*home)->audit.verify((*home)->db);
    REQUIRE(ok);
    CHECK(ok->empty());
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((home_dir / "outcheck.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw,
                       "DROP TRIGGER audit_log_append_only_update;"
                       "UPDATE audit_log SET path = CAST(X'6F75747075742F636166FF2E637376' AS TEXT) WHERE seq = 1;"
                       "CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto home = db::open_home(home_dir);
  REQUIRE(home);
  auto problems = (*home)->audit.verify((*home)->db);
  REQUIRE(problems);
  REQUIRE(problems->size() == 1);
  CHECK(outcheck::test::contains(problems->front(), "row 1 (file_add by admin) does not match its hash"));
}

TEST_CASE("a row may not claim 0.1.0's hash after rows of the current one", "[db][audit]") {
  outcheck::test::TempDir dir;
  const auto home_dir = dir.path() / "home";
  {
    auto home = db::open_home(home_dir);
    REQUIRE(home);
    for (int i = 0; i < 2; ++i) {
      db::AuditEvent e;
      e.user = "admin";
      e.action = "user_add";
      auto head = (*home)->audit.append((*home)->db, e, "2026-01-01T00:00:00Z");
      REQUIRE(head);
      (*home)->audit.record_head(*head);
    }
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open((home_dir / "outcheck.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw,
                       "DROP TRIGGER audit_log_append_only_update;"
                       "UPDATE audit_log SET hash_version = 1 WHERE seq = 2;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto home = db::open_home(home_dir);
  REQUIRE(home);
  auto problems = (*home)->audit.verify((*home)->db);
  REQUIRE(problems);
  bool named = false;
  for (const auto& p : *problems) named |= outcheck::test::contains(p, "row 2 (user_add by admin) does not match its hash");
  CHECK(named);
}
