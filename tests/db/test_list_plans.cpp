// The list queries (db/service.h request_list_sql, audit_list_sql) read through an index for every
// combination of filters, for every kind of viewer: EXPLAIN QUERY PLAN on a real home's database
// never shows a whole-table SCAN of requests or audit_log. Where the viewer sees everything and no
// `needs` filter applies, the rows also come in key order without a sort; the other plans sort only
// what an index search found (a researcher's own rows; requests awaiting review).
#include <catch2/catch.hpp>

#include "db/home.h"
#include "db/service.h"
#include "tests/support/workspace_fixture.h"

namespace {

std::string plan_of(outcheck::db::Database& db, const std::string& sql) {
  auto st = db.prepare("EXPLAIN QUERY PLAN " + sql);
  REQUIRE(st);
  std::string plan;
  while (st->step()) plan += st->text(3) + "\n";
  REQUIRE(!st->failed());
  return plan;
}

// A plan line that reads a whole table without an index, or (with `no_sort`) sorts.
std::string bad_line(const std::string& plan, bool no_sort = false) {
  std::size_t start = 0;
  while (start < plan.size()) {
    std::size_t end = plan.find('\n', start);
    std::string line = plan.substr(start, end - start);
    start = end + 1;
    for (const char* table : {"requests", "audit_log", "s", "f"}) {
      const std::string scan = std::string("SCAN ") + table;
      if (line.rfind(scan, 0) == 0 && (line.size() == scan.size() || line[scan.size()] == ' ') &&
          line.find("USING") == std::string::npos) {
        return line;
      }
    }
    if (no_sort && line.find("TEMP B-TREE") != std::string::npos) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("list queries: every filter combination reads through an index", "[db][lists]") {
  outcheck::test::TempDir dir;
  auto home = outcheck::db::open_home(dir.path() / "home");
  REQUIRE(home);
  auto& db = (*home)->db;
  // Some rows, and fresh statistics, so the planner chooses as it would on a used home.
  REQUIRE(db.exec("INSERT INTO users VALUES ('u', 'researcher', 'h', 0, 't')").ok());
  REQUIRE(db.exec("ANALYZE").ok());

  int checked = 0;
  for (int bits = 0; bits < 16; ++bits) {
    outcheck::db::RequestFilter f;
    if (bits & 1) f.state = "submitted";
    if (bits & 2) f.workspace = "w";
    if (bits & 4) f.author = "u";
    f.needs_my_vote = bits & 8;
    for (bool sees_all : {true, false}) {
      const std::string sql = outcheck::db::request_list_sql(f, sees_all);
      const std::string plan = plan_of(db, sql);
      INFO(sql << "\n" << plan);
      CHECK(bad_line(plan, sees_all && !f.needs_my_vote).empty());
      CHECK(plan.find("requests") != std::string::npos);
      ++checked;
    }
  }
  for (int bits = 0; bits < 64; ++bits) {
    outcheck::db::AuditFilter f;
    if (bits & 1) f.request_id = "r";
    if (bits & 2) f.user = "u";
    if (bits & 4) f.event = (bits & 8) ? "changes" : "vote";
    if (bits & 16) f.since = "2024";
    if (bits & 32) f.until = "2025";
    for (bool sees_all : {true, false}) {
      const std::string sql = outcheck::db::audit_list_sql(f, sees_all);
      const std::string plan = plan_of(db, sql);
      INFO(sql << "\n" << plan);
      CHECK(bad_line(plan, sees_all).empty());
      CHECK(plan.find("audit_log") != std::string::npos);
      ++checked;
    }
  }
  CHECK(checked == 32 + 128);

  // The test can tell: the same query without its key condition scans the table.
  CHECK(!bad_line(plan_of(db, "SELECT seq FROM audit_log WHERE details = 'x'")).empty());
}

TEST_CASE("list cursors: opaque, what was encoded comes back, anything else is refused", "[db][lists]") {
  for (const std::string& key : std::vector<std::string>{"r:01J000000000000000000000000", "a:0", "a:123456789012", std::string("x\0y", 3)}) {
    const std::string c = outcheck::db::encode_cursor(key);
    CHECK(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    auto back = outcheck::db::decode_cursor(c);
    REQUIRE(back);
    CHECK(*back == key);
  }
  for (const std::string& bad : std::vector<std::string>{"", "a b", "!!", "=", std::string(300, 'A')}) CHECK_FALSE(outcheck::db::decode_cursor(bad));
}
