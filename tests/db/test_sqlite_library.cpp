// SQLite opened on demand (db/sqlite_library.h): the table is whole, the same on every call, and
// its functions are SQLite's own.
#include <catch2/catch.hpp>

#include <string>

#include "db/sqlite_library.h"

using namespace outcheck;

TEST_CASE("sqlite library: opened once, every function found, and each one SQLite's", "[db]") {
  auto loaded = db::sqlite_library();
  REQUIRE(loaded.ok());
  const db::SqliteLibrary* sql = loaded.value();
  auto again = db::sqlite_library();
  REQUIRE(again.ok());
  CHECK(again.value() == sql);

  sqlite3* raw = nullptr;
  REQUIRE(sql->open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
  CHECK(sql->db_readonly(raw, "main") == 0);
  CHECK(sql->exec(raw, "CREATE TABLE t (n INTEGER, s TEXT)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sql->prepare_v2(raw, "INSERT INTO t VALUES (?, ?)", -1, &st, nullptr) == SQLITE_OK);
  CHECK(sql->bind_int64(st, 1, 42) == SQLITE_OK);
  CHECK(sql->bind_text(st, 2, "forty-two", -1, SQLITE_TRANSIENT) == SQLITE_OK);
  CHECK(sql->step(st) == SQLITE_DONE);
  CHECK(sql->finalize(st) == SQLITE_OK);
  CHECK(sql->changes(raw) == 1);
  CHECK(sql->last_insert_rowid(raw) == 1);
  REQUIRE(sql->prepare_v2(raw, "SELECT n, s, NULL FROM t", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sql->step(st) == SQLITE_ROW);
  CHECK(sql->column_int64(st, 0) == 42);
  CHECK(std::string(reinterpret_cast<const char*>(sql->column_text(st, 1)), sql->column_bytes(st, 1)) == "forty-two");
  CHECK(sql->column_type(st, 2) == SQLITE_NULL);
  CHECK(sql->finalize(st) == SQLITE_OK);
  char* err = nullptr;
  CHECK(sql->exec(raw, "SELECT * FROM missing", nullptr, nullptr, &err) == SQLITE_ERROR);
  REQUIRE(err != nullptr);
  CHECK(std::string(err) == "no such table: missing");
  sql->free(err);
  CHECK(sql->extended_errcode(raw) == SQLITE_ERROR);
  CHECK(std::string(sql->errmsg(raw)) == "no such table: missing");
  CHECK(sql->close_v2(raw) == SQLITE_OK);
}
