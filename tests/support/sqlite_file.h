#pragma once
// Reading a home's database file directly, as an upgrade test must (no outcheck code in between).
#include <string>

namespace outcheck::test {

// PRAGMA user_version of the SQLite file at `path` (the schema version outcheck stamps).
int sqlite_user_version(const std::string& path);

}  // namespace outcheck::test
