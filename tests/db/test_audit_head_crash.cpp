// The audit record against kills and power cuts (issue 21 item 4): audit.head is replaced by a
// fsynced temporary renamed over it, so a process stopped just before the rename leaves the old
// head (never an empty file) and the next writer removes the temporary; audit verify fails, naming
// the reason, on a missing, empty or unreadable head; a torn last line of audit.head.log is ignored
// and cut before the next append; audit.key is written whole and linked, never replaced; the
// database commits with synchronous=FULL and keeps its WAL file.
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "db/audit.h"
#include "db/crash_point.h"
#include "db/home.h"
#include "db/sqlite.h"
#include "tests/support/user_site.h"
#include "tests/support/workspace_fixture.h"

namespace fs = std::filesystem;
namespace db = outcheck::db;
using outcheck::test::contains;
using outcheck::test::put;
using outcheck::test::RunResult;
using outcheck::test::slurp;
using outcheck::test::TempDir;

namespace {

class HeadSite : public outcheck::test::UserSite {
 public:
  HeadSite() {
    add_admin();
    add_user("c1", {"output-checker"});
  }
  fs::path head() const { return home() / "audit.head"; }
  fs::path log() const { return home() / "audit.head.log"; }
  RunResult verify() const { return as("admin", {"audit", "verify"}); }
  std::vector<std::string> temporaries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(home())) {
      const std::string name = e.path().filename().string();
      if (contains(name, ".tmp-")) out.push_back(name);
    }
    return out;
  }
};

bool is_head_line(const std::string& text) {
  auto space = text.find(' ');
  return space != std::string::npos && space > 0 && text.size() >= space + 65;
}

}  // namespace

TEST_CASE("audit head: a process stopped just before audit.head is renamed leaves the old head, never an empty one",
          "[db][audit][crash]") {
  HeadSite site;
  const std::string before = slurp(site.head());
  REQUIRE(is_head_line(before));
  // The row is committed, then the process stops with the new head written to its temporary only.
  RunResult stopped = site.as("admin", {"user", "add", "c2", "--role", "output-checker"},
                              {"OUTCHECK_CRASH_AT=audit.head.before_rename"});
  REQUIRE(stopped.exit_code == db::kCrashExitCode);
  CHECK(slurp(site.head()) == before);
  CHECK(site.temporaries().size() == 1);
  RunResult v = site.verify();
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  // The next writer moves the head on and removes the stale temporary.
  site.ok("admin", {"user", "add", "c3", "--role", "output-checker"});
  CHECK(slurp(site.head()) != before);
  CHECK(site.temporaries().empty());
  CHECK(site.verify().exit_code == 0);
}

TEST_CASE("audit verify: an empty, missing or unreadable audit.head fails verify, naming the reason",
          "[db][audit]") {
  HeadSite site;
  REQUIRE(site.verify().exit_code == 0);
  SECTION("empty") {
    put(site.head(), "");
    RunResult v = site.verify();
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "audit.head is empty"));
  }
  SECTION("missing") {
    fs::remove(site.head());
    RunResult v = site.verify();
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "audit.head is missing"));
  }
  SECTION("unreadable (a folder in its place)") {
    fs::remove(site.head());
    fs::create_directory(site.head());
    RunResult v = site.verify();
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "audit.head is unreadable"));
  }
  SECTION("garbage") {
    put(site.head(), "not a head\n");
    RunResult v = site.verify();
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "audit.head is empty or unreadable"));
  }
  SECTION("the last row cut, with the head rewritten to the row before it: audit.head.log still knows") {
    // Read the row before the last, then cut the last row behind outcheck's back.
    sqlite3* conn = nullptr;
    REQUIRE(sqlite3_open((site.home() / "outcheck.db").c_str(), &conn) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(conn, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1", -1, &st,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const std::string line = std::to_string(sqlite3_column_int64(st, 0)) + " " +
                             reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + "\n";
    sqlite3_finalize(st);
    REQUIRE(sqlite3_exec(conn,
                         "DROP TRIGGER audit_log_append_only_delete; "
                         "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(conn);
    put(site.head(), line);
    RunResult v = site.verify();
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "rows were deleted from the end"));
  }
}

TEST_CASE("audit.head.log: a torn last line is ignored, and cut before the next line is appended", "[db][audit][crash]") {
  HeadSite site;
  const std::string whole = slurp(site.log());
  REQUIRE(!whole.empty());
  REQUIRE(whole.back() == '\n');
  // A kill (or a power cut) in the middle of an append: half a line, no newline.
  put(site.log(), whole + "7 0123456789abcdef");
  RunResult v = site.verify();
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  site.ok("admin", {"user", "add", "c2", "--role", "output-checker"});
  const std::string after = slurp(site.log());
  CHECK(after.rfind(whole, 0) == 0);  // what was there is kept
  CHECK(!contains(after, "0123456789abcdef\n"));
  CHECK(!contains(after, "0123456789abcdef7"));
  CHECK(after.back() == '\n');
  RunResult again = site.verify();
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
}

TEST_CASE("audit.key: written whole and linked, processes opening a new home at once all read one key",
          "[db][audit][crash]") {
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    fs::create_directories(home);
    constexpr int kThreads = 8;
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        auto log = db::AuditLog::open(home);
        if (!log) errors[i] = log.error().message;
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK(e.empty());
    const std::string key = slurp(home / "audit.key");
    CHECK(key.size() == 64);
    struct stat st;
    REQUIRE(::stat((home / "audit.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    for (const auto& e : fs::directory_iterator(home)) CHECK(e.path().filename() == "audit.key");
    // An existing key is never replaced.
    REQUIRE(db::AuditLog::open(home).ok());
    CHECK(slurp(home / "audit.key") == key);
  }
}

TEST_CASE("database: commits with synchronous=FULL and keeps its WAL file when closed", "[db][audit]") {
  TempDir dir;
  const std::string path = (dir.path() / "x.db").string();
  {
    auto d = db::Database::open(path);
    REQUIRE(d.ok());
    auto st = d->prepare("PRAGMA synchronous");
    REQUIRE(st.ok());
    REQUIRE(st->step());
    CHECK(st->integer(0) == 2);  // FULL
    REQUIRE(d->exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)").ok());
  }
  CHECK(fs::exists(path + "-wal"));
  auto again = db::Database::open(path);
  REQUIRE(again.ok());
  auto st = again->prepare("SELECT count(*) FROM t");
  REQUIRE(st.ok());
  REQUIRE(st->step());
  CHECK(st->integer(0) == 1);
}
