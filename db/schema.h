#pragma once
// The database schema, versioned in PRAGMA user_version. Each migration moves one version up in one
// transaction; a database newer than this program is refused (exit 2), never touched.
#include "base/result.h"
#include "db/sqlite.h"

namespace outcheck::db {

inline constexpr int kSchemaVersion = 5;

Status migrate(Database& db);

}  // namespace outcheck::db
