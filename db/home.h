#pragma once
// OUTCHECK_HOME: the folder holding outcheck.db, the file store and audit.key.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>

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
  // Opened for reading, `db` is read-only, and the one write a read may make (its audit row: a
  // refusal, or a file's contents viewed) goes through `writer`, opened when first needed.
  std::optional<Database> writer;
};

// The connection a write goes through: `db`, or for a home opened read-only its writer.
Result<Database*> writable_db(Home& home);

// Creates the folder (0700) and the database on first use, and migrates the schema.
// Access::read_only opens outcheck.db read-only (O_RDONLY, no write lock, nothing written) when the
// home is ready to be read as it is; a home that is new, has no audit key yet, or whose schema is
// older is opened read-write instead, for that first-use work.
Result<std::unique_ptr<Home>> open_home(const std::filesystem::path& dir, Access access = Access::read_write);

struct HomePoolState;

// The home for one call. Where a HomePool serves the folder (outcheck serve), it is one of the
// pool's open connections, handed back when the lease ends; elsewhere it is opened (and migrated)
// for the call, as open_home does, read-only for a call that only reads.
class HomeLease {
 public:
  HomeLease(std::unique_ptr<Home> home, std::shared_ptr<HomePoolState> pool)
      : home_(std::move(home)), pool_(std::move(pool)) {}
  HomeLease(HomeLease&&) noexcept = default;
  HomeLease& operator=(HomeLease&&) = delete;
  HomeLease(const HomeLease&) = delete;
  ~HomeLease();

  Home& operator*() const { return *home_; }
  Home* operator->() const { return home_.get(); }

 private:
  std::unique_ptr<Home> home_;
  std::shared_ptr<HomePoolState> pool_;
};

Result<HomeLease> lease_home(const std::filesystem::path& dir, Access access = Access::read_write);

// A server's homes: migrated once when the pool opens, then each connection opened once and
// reused, so a call neither opens the database nor runs the migration check (a BEGIN IMMEDIATE)
// again, and reads take no write lock. While the pool lives, lease_home() on its folder draws
// from it; a lease beyond the idle connections opens one more (never waits), and at most
// `keep_idle` are kept open between calls.
class HomePool {
 public:
  static Result<std::unique_ptr<HomePool>> open(const std::filesystem::path& dir, std::size_t keep_idle);
  ~HomePool();
  HomePool(const HomePool&) = delete;
  HomePool& operator=(const HomePool&) = delete;

 private:
  explicit HomePool(std::shared_ptr<HomePoolState> state) : state_(std::move(state)) {}
  std::shared_ptr<HomePoolState> state_;
};

}  // namespace outcheck::db
