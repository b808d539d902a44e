#pragma once
// OUTCHECK_HOME: the folder holding outcheck.db, the file store and audit.key.
#include <filesystem>
#include <memory>

#include "base/result.h"
#include "db/audit.h"
#include "db/sqlite.h"
#include "db/store.h"

namespace outcheck::db {

struct Home {
  std::filesystem::path dir;
  Database db;
  AuditLog audit;
  Store store;
};

// Creates the folder (0700) and the database on first use, and migrates the schema.
Result<std::unique_ptr<Home>> open_home(const std::filesystem::path& dir);

}  // namespace outcheck::db
