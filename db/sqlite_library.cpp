#include "db/sqlite_library.h"

#include <string>

#include "base/shared_library.h"

namespace outcheck::db {

namespace {

// SQLite 3's soname since 2004; Debian's libsqlite3-0 provides it.
constexpr const char* kSoname = "libsqlite3.so.0";

struct Loaded {
  SqliteLibrary functions{};
  std::string error;  // empty once loaded
};

Status find_all(const SharedLibrary& lib, SqliteLibrary& f) {
  OUTCHECK_TRY(lib.find("sqlite3_bind_int64", f.bind_int64));
  OUTCHECK_TRY(lib.find("sqlite3_bind_null", f.bind_null));
  OUTCHECK_TRY(lib.find("sqlite3_bind_text", f.bind_text));
  OUTCHECK_TRY(lib.find("sqlite3_busy_timeout", f.busy_timeout));
  OUTCHECK_TRY(lib.find("sqlite3_changes", f.changes));
  OUTCHECK_TRY(lib.find("sqlite3_close", f.close));
  OUTCHECK_TRY(lib.find("sqlite3_close_v2", f.close_v2));
  OUTCHECK_TRY(lib.find("sqlite3_column_bytes", f.column_bytes));
  OUTCHECK_TRY(lib.find("sqlite3_column_int64", f.column_int64));
  OUTCHECK_TRY(lib.find("sqlite3_column_text", f.column_text));
  OUTCHECK_TRY(lib.find("sqlite3_column_type", f.column_type));
  OUTCHECK_TRY(lib.find("sqlite3_config", f.config));
  OUTCHECK_TRY(lib.find("sqlite3_db_filename", f.db_filename));
  OUTCHECK_TRY(lib.find("sqlite3_db_readonly", f.db_readonly));
  OUTCHECK_TRY(lib.find("sqlite3_errmsg", f.errmsg));
  OUTCHECK_TRY(lib.find("sqlite3_exec", f.exec));
  OUTCHECK_TRY(lib.find("sqlite3_extended_errcode", f.extended_errcode));
  OUTCHECK_TRY(lib.find("sqlite3_file_control", f.file_control));
  OUTCHECK_TRY(lib.find("sqlite3_finalize", f.finalize));
  OUTCHECK_TRY(lib.find("sqlite3_free", f.free));
  OUTCHECK_TRY(lib.find("sqlite3_last_insert_rowid", f.last_insert_rowid));
  OUTCHECK_TRY(lib.find("sqlite3_open_v2", f.open_v2));
  OUTCHECK_TRY(lib.find("sqlite3_prepare_v2", f.prepare_v2));
  OUTCHECK_TRY(lib.find("sqlite3_step", f.step));
  OUTCHECK_TRY(lib.find("sqlite3_system_errno", f.system_errno));
  return Status::OK();
}

Loaded load() {
  Loaded l;
  auto lib = SharedLibrary::open(kSoname, "libsqlite3-0");
  if (!lib.ok()) {
    l.error = lib.error().message;
  } else if (auto found = find_all(*lib, l.functions); !found.ok()) {
    l.error = found.error().message;
  }
  return l;
}

}  // namespace

Result<const SqliteLibrary*> sqlite_library() {
  // Process-wide, written once and only read after, as SQLite's own state is the process's.
  static const Loaded loaded = load();
  if (!loaded.error.empty()) return io_error(loaded.error);
  return &loaded.functions;
}

}  // namespace outcheck::db
