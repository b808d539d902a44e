#pragma once
// A thin RAII layer over SQLite: a connection configured for several processes at once (WAL, busy
// timeout, foreign keys), prepared statements, and immediate transactions that retry while another
// writer holds the lock, so "database is locked" never reaches a user.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace outcheck::db {

struct SqliteLibrary;  // db/sqlite_library.h

class Stmt {
 public:
  Stmt(const SqliteLibrary* sql, sqlite3* db, sqlite3_stmt* stmt) : sql_(sql), db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : sql_(other.sql_), db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind_null(int i);
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, *v) : bind_null(i); }

  // True while a row is available; false when done. Errors become Status through `error()`.
  bool step();
  Status done();  // steps to completion (for INSERT/UPDATE/DELETE)
  bool failed() const { return failed_; }
  Error error() const;

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::int64_t integer(int col) const;
  bool is_null(int col) const;

 private:
  const SqliteLibrary* sql_;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool failed_ = false;
  std::string message_;
  Error error_;
};

// How a connection opens its file. A read-only one opens outcheck.db O_RDONLY and takes no write
// lock: what reads (request list, show, audit verify) use on a home of their own.
enum class Access { read_write, read_only };

class Database {
 public:
  static Result<Database> open(const std::string& path, Access access = Access::read_write);
  Database(Database&& other) noexcept : sql_(other.sql_), db_(other.db_), path_(std::move(other.path_)) {
    other.db_ = nullptr;
  }
  Database(const Database&) = delete;
  ~Database();

  Result<Stmt> prepare(std::string_view sql);
  Status exec(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  std::int64_t changes() const;
  const std::string& path() const { return path_; }
  bool read_only() const;

  // BEGIN IMMEDIATE, retried with backoff while another process writes.
  Status begin_immediate();
  Status commit();
  void rollback();

 private:
  Database(const SqliteLibrary* sql, sqlite3* db, std::string path) : sql_(sql), db_(db), path_(std::move(path)) {}
  const SqliteLibrary* sql_;  // db/sqlite_library.h: loaded before any connection is made
  sqlite3* db_;
  std::string path_;
};

// Rolls back on scope exit unless committed: one transaction per state change.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction() {
    if (open_) db_.rollback();
  }
  Status begin() {
    auto s = db_.begin_immediate();
    open_ = s.ok();
    return s;
  }
  Status commit() {
    auto s = db_.commit();
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  Database& db_;
  bool open_ = false;
};

}  // namespace outcheck::db
