#include "db/home.h"

#include <sys/stat.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "db/schema.h"

namespace outcheck::db {

namespace {

Result<bool> schema_current(Database& db) {
  OUTCHECK_ASSIGN_OR_RETURN(auto version, db.prepare("PRAGMA user_version"));
  bool current = version.step() && version.integer(0) == kSchemaVersion;
  if (version.failed()) return version.error();
  return current;
}

Result<std::unique_ptr<Home>> open_home_as(const std::filesystem::path& dir, bool run_migration) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir.string() + ": cannot create the outcheck home: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  OUTCHECK_ASSIGN_OR_RETURN(auto db, Database::open((dir / "outcheck.db").string()));
  if (run_migration) {
    // The migration check is a BEGIN IMMEDIATE: taken only when the schema is not current, so a
    // read (request list, show, audit verify) never queues on the write lock, and needs no space
    // on a full disk.
    OUTCHECK_ASSIGN_OR_RETURN(auto current, schema_current(db));
    if (!current) OUTCHECK_TRY(migrate(db));
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto audit, AuditLog::open(dir));
  return std::make_unique<Home>(Home{dir, std::move(db), std::move(audit), Store(dir / "store"), std::nullopt});
}

// The home opened to be read as it is, or nullptr when it is not ready for that (no database yet,
// an older schema, no audit key): the caller then opens it read-write.
Result<std::unique_ptr<Home>> open_home_read_only(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dir / "outcheck.db", ec)) return std::unique_ptr<Home>();
  OUTCHECK_ASSIGN_OR_RETURN(auto db, Database::open((dir / "outcheck.db").string(), Access::read_only));
  OUTCHECK_ASSIGN_OR_RETURN(auto current, schema_current(db));
  if (!current) return std::unique_ptr<Home>();
  auto audit = AuditLog::open(dir, Access::read_only);
  if (!audit && audit.error().kind == ErrorKind::not_found) return std::unique_ptr<Home>();
  if (!audit) return audit.error();
  return std::make_unique<Home>(Home{dir, std::move(db), std::move(*audit), Store(dir / "store"), std::nullopt});
}

std::string pool_key(const std::filesystem::path& dir) { return dir.lexically_normal().string(); }

}  // namespace

struct HomePoolState {
  std::filesystem::path dir;
  std::size_t keep_idle = 0;
  std::mutex mutex;
  std::vector<std::unique_ptr<Home>> idle;
};

namespace {

std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<HomePoolState>>& registry() {
  static std::map<std::string, std::shared_ptr<HomePoolState>> pools;
  return pools;
}

}  // namespace

Result<std::unique_ptr<Home>> open_home(const std::filesystem::path& dir, Access access) {
  if (access == Access::read_only) {
    OUTCHECK_ASSIGN_OR_RETURN(auto home, open_home_read_only(dir));
    if (home) return home;
  }
  return open_home_as(dir, true);
}

Result<Database*> writable_db(Home& home) {
  if (!home.db.read_only()) return &home.db;
  if (!home.writer) {
    OUTCHECK_ASSIGN_OR_RETURN(auto db, Database::open((home.dir / "outcheck.db").string()));
    home.writer.emplace(std::move(db));
  }
  return &*home.writer;
}

HomeLease::~HomeLease() {
  if (!home_ || !pool_) return;
  // A call that left a transaction open would hand the next one its snapshot and its writes: roll
  // it back (a no-op when none is open).
  home_->db.rollback();
  std::lock_guard<std::mutex> lock(pool_->mutex);
  if (pool_->idle.size() < pool_->keep_idle) pool_->idle.push_back(std::move(home_));
}

Result<HomeLease> lease_home(const std::filesystem::path& dir, Access access) {
  std::shared_ptr<HomePoolState> pool;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry().find(pool_key(dir));
    if (it != registry().end()) pool = it->second;
  }
  if (!pool) {
    OUTCHECK_ASSIGN_OR_RETURN(auto home, open_home(dir, access));
    return HomeLease(std::move(home), nullptr);
  }
  {
    std::lock_guard<std::mutex> lock(pool->mutex);
    if (!pool->idle.empty()) {
      auto home = std::move(pool->idle.back());
      pool->idle.pop_back();
      return HomeLease(std::move(home), pool);
    }
  }
  OUTCHECK_ASSIGN_OR_RETURN(auto home, open_home_as(pool->dir, false));  // migrated when the pool opened
  return HomeLease(std::move(home), pool);
}

Result<std::unique_ptr<HomePool>> HomePool::open(const std::filesystem::path& dir, std::size_t keep_idle) {
  OUTCHECK_ASSIGN_OR_RETURN(auto first, open_home_as(dir, true));
  auto state = std::make_shared<HomePoolState>();
  state->dir = dir;
  state->keep_idle = keep_idle;
  if (keep_idle > 0) state->idle.push_back(std::move(first));
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry()[pool_key(dir)] = state;
  return std::unique_ptr<HomePool>(new HomePool(state));
}

HomePool::~HomePool() {
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto it = registry().find(pool_key(state_->dir));
    if (it != registry().end() && it->second == state_) registry().erase(it);
  }
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->keep_idle = 0;  // leases still out close their home when they end
  state_->idle.clear();
}

}  // namespace outcheck::db
