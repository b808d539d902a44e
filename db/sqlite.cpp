#include "db/sqlite.h"

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "db/sqlite_library.h"

namespace outcheck::db {

namespace {

// SQLite's error as an Error: a full disk (SQLITE_FULL, or an I/O error whose system errno is
// ENOSPC or EDQUOT) is `unavailable` and says what to do, as does a home that cannot be written;
// the rest are io errors as before.
Error sqlite_error(const SqliteLibrary& sql, sqlite3* db, const std::string& prefix, const std::string& message) {
  int code = db ? sql.extended_errcode(db) : SQLITE_ERROR;
  int sys = db ? sql.system_errno(db) : 0;
  if ((code & 0xff) == SQLITE_FULL || ((code & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))) {
    const char* file = db ? sql.db_filename(db, "main") : nullptr;
    std::string folder = file && *file ? std::filesystem::path(file).parent_path().string() : std::string("the home");
    return Error{ErrorKind::unavailable, prefix + message + ": the home's disk is full: free space on " + folder +
                                             " and run it again (nothing was changed)"};
  }
  if ((code & 0xff) == SQLITE_READONLY) {
    // A home on read-only media (a backup, say) can be read, and changed only where it can be written.
    const char* file = db ? sql.db_filename(db, "main") : nullptr;
    std::string folder = file && *file ? std::filesystem::path(file).parent_path().string() : std::string("the home");
    return io_error(prefix + message + ": " + folder +
                    " cannot be written here (read-only media or permissions): nothing was changed; make the change "
                    "where the home is writable");
  }
  return io_error(prefix + message);
}

}  // namespace

Stmt::~Stmt() {
  if (stmt_) sql_->finalize(stmt_);
}

Stmt& Stmt::bind(int i, std::string_view v) {
  sql_->bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sql_->bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  sql_->bind_null(stmt_, i);
  return *this;
}

bool Stmt::step() {
  int rc = sql_->step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    failed_ = true;
    message_ = sql_->errmsg(db_);
    error_ = sqlite_error(*sql_, db_, "database: ", message_);
  }
  return false;
}

Status Stmt::done() {
  while (step()) {
  }
  if (failed_) return error();
  return Status::OK();
}

Error Stmt::error() const { return error_.message.empty() ? io_error("database: " + message_) : error_; }

std::string Stmt::text(int col) const {
  const unsigned char* t = sql_->column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sql_->column_bytes(stmt_, col)))
           : std::string();
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::int64_t Stmt::integer(int col) const { return sql_->column_int64(stmt_, col); }

bool Stmt::is_null(int col) const { return sql_->column_type(stmt_, col) == SQLITE_NULL; }

Result<Database> Database::open(const std::string& path, Access access) {
  OUTCHECK_ASSIGN_OR_RETURN(const SqliteLibrary* lib, sqlite_library());
  // SQLite counts every allocation under one global mutex unless told not to; the server's workers,
  // each preparing statements, queued on it (bench/LOAD.md: 1.8x the requests per core without).
  // It must be said before SQLite initialises; if something initialised it first, the call is
  // refused and nothing changes.
  static const int memstatus_off = lib->config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  const bool read_only = access == Access::read_only;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX;
  sqlite3* raw = nullptr;
  int rc = lib->open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? lib->errmsg(raw) : "out of memory";
    lib->close(raw);
    return io_error(path + ": cannot open the database: " + msg);
  }
  Database db(lib, raw, path);
  lib->busy_timeout(raw, 10000);
  // The WAL file is kept when the last connection closes (and reused from its start after a
  // checkpoint), so on a full disk reads still open, and small writes still fit in its pages.
  int persist = 1;
  lib->file_control(raw, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  // synchronous=FULL: every commit is on disk before it returns, so audit.head (written after the
  // commit) is never ahead of what a power cut keeps. A read-only connection sets neither: WAL mode
  // is the file's own (it persists), and synchronous only matters to commits.
  const std::vector<const char*> pragmas =
      read_only ? std::vector<const char*>{"PRAGMA foreign_keys=ON"}
                : std::vector<const char*>{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"};
  for (const char* pragma : pragmas) {
    if (auto s = db.exec(pragma); !s.ok()) return s.error();
  }
  return db;
}

bool Database::read_only() const { return db_ && sql_->db_readonly(db_, "main") == 1; }

Database::~Database() {
  if (db_) sql_->close_v2(db_);
}

Result<Stmt> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sql_->prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(*sql_, db_, "database: ", sql_->errmsg(db_));
  return Stmt(sql_, db_, stmt);
}

Status Database::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sql_->exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sql_->errmsg(db_);
    sql_->free(err);
    return sqlite_error(*sql_, db_, "database: ", msg);
  }
  return Status::OK();
}

std::int64_t Database::last_insert_rowid() const { return sql_->last_insert_rowid(db_); }
std::int64_t Database::changes() const { return sql_->changes(db_); }

Status Database::begin_immediate() {
  // The busy timeout already waits; this loop covers the cases where SQLite returns BUSY at once
  // (a WAL snapshot conflict), with jitter so that competing processes do not retry in lockstep.
  std::minstd_rand rng(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0;; ++attempt) {
    int rc = sql_->exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return Status::OK();
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 200) {
      return sqlite_error(*sql_, db_, "database: cannot start a transaction: ", sql_->errmsg(db_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 20));
  }
}

Status Database::commit() { return exec("COMMIT"); }

void Database::rollback() { sql_->exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

}  // namespace outcheck::db
