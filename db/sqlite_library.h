#pragma once
// SQLite, opened the first time a command opens a home (base/shared_library.h) rather than at every
// start: `check`, `redact` and `policy` never touch a database.
#include <sqlite3.h>

#include "base/result.h"

namespace outcheck::db {

// The SQLite functions outcheck calls, as the library's own.
struct SqliteLibrary {
  decltype(&::sqlite3_bind_int64) bind_int64;
  decltype(&::sqlite3_bind_null) bind_null;
  decltype(&::sqlite3_bind_text) bind_text;
  decltype(&::sqlite3_busy_timeout) busy_timeout;
  decltype(&::sqlite3_changes) changes;
  decltype(&::sqlite3_close) close;
  decltype(&::sqlite3_close_v2) close_v2;
  decltype(&::sqlite3_column_bytes) column_bytes;
  decltype(&::sqlite3_column_int64) column_int64;
  decltype(&::sqlite3_column_text) column_text;
  decltype(&::sqlite3_column_type) column_type;
  decltype(&::sqlite3_config) config;
  decltype(&::sqlite3_db_filename) db_filename;
  decltype(&::sqlite3_db_readonly) db_readonly;
  decltype(&::sqlite3_errmsg) errmsg;
  decltype(&::sqlite3_exec) exec;
  decltype(&::sqlite3_extended_errcode) extended_errcode;
  decltype(&::sqlite3_file_control) file_control;
  decltype(&::sqlite3_finalize) finalize;
  decltype(&::sqlite3_free) free;
  decltype(&::sqlite3_last_insert_rowid) last_insert_rowid;
  decltype(&::sqlite3_open_v2) open_v2;
  decltype(&::sqlite3_prepare_v2) prepare_v2;
  decltype(&::sqlite3_step) step;
  decltype(&::sqlite3_system_errno) system_errno;
};

// SQLite's functions, the library opened on the first call in the process (the table never changes
// after); or an error that names the package to install.
Result<const SqliteLibrary*> sqlite_library();

}  // namespace outcheck::db
