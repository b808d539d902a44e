// Schema versions: an older database is migrated in place, a newer one is refused untouched.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "db/home.h"
#include "db/schema.h"
#include "tests/support/sqlite_file.h"
#include "tests/support/workspace_fixture.h"

namespace {

void exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("a version-1 database is migrated to the current schema when the home is opened", "[db][schema]") {
  outcheck::test::TempDir dir;
  const std::string db_path = (dir.path() / "home" / "outcheck.db").string();
  { REQUIRE(outcheck::db::open_home(dir.path() / "home")); }
  // Turn it back into what version 1 wrote: no upload columns, user_version 1.
  exec(db_path,
       "ALTER TABLE request_files DROP COLUMN uploaded_at; ALTER TABLE request_files DROP COLUMN device; "
       "ALTER TABLE request_files DROP COLUMN inode; ALTER TABLE requests DROP COLUMN release_target; "
       "ALTER TABLE audit_log DROP COLUMN hash_version; DROP TABLE release_locks; DROP TABLE workspace_members; "
       "PRAGMA user_version = 1;");
  REQUIRE(outcheck::test::sqlite_user_version(db_path) == 1);
  auto home = outcheck::db::open_home(dir.path() / "home");
  REQUIRE(home);
  CHECK(outcheck::test::sqlite_user_version(db_path) == outcheck::db::kSchemaVersion);
  auto st = (*home)->db.prepare(
      "SELECT uploaded_at FROM request_files UNION ALL SELECT release_target FROM requests "
      "UNION ALL SELECT device + inode FROM request_files");
  CHECK(st.ok());
}

TEST_CASE("a database newer than this outcheck is refused and left untouched", "[db][schema]") {
  outcheck::test::TempDir dir;
  const std::string db_path = (dir.path() / "home" / "outcheck.db").string();
  { REQUIRE(outcheck::db::open_home(dir.path() / "home")); }
  exec(db_path, "PRAGMA user_version = 99;");
  auto home = outcheck::db::open_home(dir.path() / "home");
  REQUIRE_FALSE(home);
  CHECK(home.error().kind == outcheck::ErrorKind::invalid_input);
  CHECK(home.error().message.find("schema version 99, newer than this outcheck understands") != std::string::npos);
  CHECK(outcheck::test::sqlite_user_version(db_path) == 99);
}
