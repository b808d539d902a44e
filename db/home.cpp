#include "db/home.h"

#include <sys/stat.h>

#include "db/schema.h"

namespace outcheck::db {

Result<std::unique_ptr<Home>> open_home(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(dir.string() + ": cannot create the outcheck home: " + ec.message());
  ::chmod(dir.c_str(), 0700);
  auto db = Database::open((dir / "outcheck.db").string());
  if (!db) return db.error();
  OUTCHECK_TRY(migrate(*db));
  auto audit = AuditLog::open(dir);
  if (!audit) return audit.error();
  return std::make_unique<Home>(Home{dir, std::move(*db), std::move(*audit), Store(dir / "store")});
}

}  // namespace outcheck::db
